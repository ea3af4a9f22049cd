//! What a UI server is started with, its defaults, and the checks made
//! before anything is bound.

use std::net::IpAddr;

use mlops_core::{Error, Result};

/// The address the server binds unless told otherwise: loopback only.
pub const DEFAULT_HOST: &str = "127.0.0.1";

/// The port the server listens on unless told otherwise (0 picks a free one).
pub const DEFAULT_PORT: u16 = 5210;

/// The environment variable a token is read from when none is given
/// (`PRINCIPAL=SECRET` or `SECRET`).
pub const TOKEN_ENV: &str = "MLOPS_UI_TOKEN";

/// A secret a request must carry, and who it speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The principal writes are made as (the registry's own when `None`).
    pub principal: Option<String>,
    /// The secret itself.
    pub secret: String,
}

impl std::str::FromStr for Token {
    type Err = Error;

    /// `PRINCIPAL=SECRET`, or `SECRET` alone; a secret shorter than 16
    /// characters is refused (it would be guessed).
    fn from_str(s: &str) -> Result<Token> {
        let (principal, secret) = match s.split_once('=') {
            Some((p, secret)) => (Some(p.trim().to_string()), secret),
            None => (None, s),
        };
        if principal.as_deref() == Some("") {
            return Err(Error::InvalidInput(
                "ui token: the principal before '=' is empty".into(),
            ));
        }
        if secret.chars().count() < 16 {
            return Err(Error::InvalidInput(
                "ui token: the secret must be at least 16 characters".into(),
            ));
        }
        Ok(Token {
            principal,
            secret: secret.to_string(),
        })
    }
}

/// How to start a UI server ([`crate::UiServer::start`]).
#[derive(Debug, Clone)]
pub struct UiConfig {
    /// The store's URL (a folder, `file://`, `s3://`, `gs://`, `az://`, `memory://`).
    pub store: String,
    /// The address to bind ([`DEFAULT_HOST`]).
    pub host: String,
    /// The port ([`DEFAULT_PORT`]; 0 picks a free one).
    pub port: u16,
    /// The secrets a request may carry; when any is given every request
    /// must carry one. Needed to bind anything but a loopback address.
    pub tokens: Vec<Token>,
    /// Whether alias moves, tags and archiving are allowed (read-only when not).
    pub allow_writes: bool,
    /// The principal the registry writes as when a request has no token's
    /// (the registry's default, from `MLOPS_PRINCIPAL`/`USER`, when `None`).
    pub principal: Option<String>,
}

impl Default for UiConfig {
    fn default() -> Self {
        UiConfig {
            store: String::new(),
            host: DEFAULT_HOST.into(),
            port: DEFAULT_PORT,
            tokens: Vec::new(),
            allow_writes: false,
            principal: None,
        }
    }
}

impl UiConfig {
    /// The address to bind, checked: a non-loopback address needs a token.
    pub(crate) fn address(&self) -> Result<IpAddr> {
        let host = match self.host.as_str() {
            "localhost" => "127.0.0.1",
            h => h.trim_start_matches('[').trim_end_matches(']'),
        };
        let ip: IpAddr = host.parse().map_err(|_| {
            Error::InvalidInput(format!(
                "ui host '{}': not an IP address (use 127.0.0.1, ::1, 0.0.0.0 or an interface's address)",
                self.host
            ))
        })?;
        if !ip.is_loopback() && self.tokens.is_empty() {
            return Err(Error::InvalidInput(format!(
                "ui host {ip} is not a loopback address: give a token (--token PRINCIPAL=SECRET or {TOKEN_ENV}) so that every request is checked"
            )));
        }
        Ok(ip)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_parse_with_and_without_a_principal() {
        let t: Token = "ana=0123456789abcdef".parse().unwrap();
        assert_eq!(t.principal.as_deref(), Some("ana"));
        assert_eq!(t.secret, "0123456789abcdef");
        let t: Token = "0123456789abcdef-xyz".parse().unwrap();
        assert_eq!(t.principal, None);
        assert!("ana=short"
            .parse::<Token>()
            .unwrap_err()
            .to_string()
            .contains("16"));
        assert!("=0123456789abcdef".parse::<Token>().is_err());
    }

    #[test]
    fn a_public_address_needs_a_token() {
        let mut c = UiConfig {
            host: "0.0.0.0".into(),
            ..Default::default()
        };
        let e = c.address().unwrap_err().to_string();
        assert!(e.contains("not a loopback address"), "{e}");
        c.tokens.push("0123456789abcdef".parse().unwrap());
        assert_eq!(c.address().unwrap().to_string(), "0.0.0.0");
        let local = UiConfig::default();
        assert!(local.address().unwrap().is_loopback());
        let bad = UiConfig {
            host: "example.org".into(),
            ..Default::default()
        };
        assert!(bad.address().is_err());
    }
}
