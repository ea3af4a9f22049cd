//! Enums named by fixed words (roles, kinds, methods): one macro writes
//! their list, their word, `Display` and `FromStr`, so the words and the
//! error listing them live in one place per type.

/// For `$ty` with the variants and words given: `ALL` (every value, in the
/// order given), `as_str` (the value's word, also its serialised form),
/// `Display` (the word) and `FromStr` (the exact word; anything else is
/// [`Error::unknown`](crate::error::Error::unknown) naming `$field` and
/// listing the words).
macro_rules! words {
    ($ty:ident, $field:literal, { $($variant:ident => $word:literal),+ $(,)? }) => {
        impl $ty {
            /// Every value, in the order of the documentation.
            pub const ALL: [$ty; [$($word),+].len()] = [$($ty::$variant),+];

            /// The value's word (also how it is written in JSON and shown).
            pub fn as_str(&self) -> &'static str {
                match self {
                    $($ty::$variant => $word),+
                }
            }
        }

        impl std::fmt::Display for $ty {
            /// [`as_str`]($ty::as_str).
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $ty {
            type Err = $crate::error::Error;

            /// Parses [`as_str`]($ty::as_str); anything else is an invalid
            /// input naming the field and listing the words.
            fn from_str(s: &str) -> $crate::error::Result<Self> {
                Self::ALL
                    .into_iter()
                    .find(|x| x.as_str() == s)
                    .ok_or_else(|| {
                        $crate::error::Error::unknown($field, s, &Self::ALL.map(|x| x.as_str()))
                    })
            }
        }
    };
}

/// `Display` as the type's `as_str`, for word enums whose parsing takes
/// aliases (and so has its own `FromStr`).
macro_rules! display_as_str {
    ($($ty:ident),+ $(,)?) => {
        $(
            impl std::fmt::Display for $ty {
                /// [`as_str`]($ty::as_str).
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str(self.as_str())
                }
            }
        )+
    };
}

#[cfg(test)]
mod tests {
    /// Every value of each type reads back from its word, and serde writes the word.
    macro_rules! round_trips {
        ($($ty:ty),+) => {$(
            for x in <$ty>::ALL {
                assert_eq!(x.to_string().parse::<$ty>().unwrap(), x);
                assert_eq!(serde_json::to_value(x).unwrap(), x.as_str());
                assert_eq!(serde_json::from_value::<$ty>(x.as_str().into()).unwrap(), x);
            }
        )+};
    }

    #[test]
    fn every_word_enum_round_trips_through_its_word_and_serde() {
        use crate::drift::{ColumnType, Correction, DistributionKind};
        use crate::governance::Role;
        use crate::profile::{SemanticType, ValueKind};
        use crate::registry::Kind;
        round_trips!(
            ValueKind,
            SemanticType,
            ColumnType,
            DistributionKind,
            Correction,
            Kind,
            Role
        );
        for m in crate::drift::ks::KsMethod::ALL {
            assert_eq!(
                m.to_string().parse::<crate::drift::ks::KsMethod>().unwrap(),
                m
            );
        }
    }
}
