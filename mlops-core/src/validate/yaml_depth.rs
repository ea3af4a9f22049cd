//! How deep YAML text nests, found before a document is built: suites are
//! refused past a depth limit without handing deep text to `yaml_serde`,
//! whose loader takes time growing with the square of the nesting
//! (libyaml checks every open level at every token).
//!
//! The scan walks libyaml's event stream (the parser `yaml_serde` itself
//! runs on), so the depth is exactly the one the document would have, for
//! flow (`[[[`, `{a: {`) and block (indented mappings, `- - -`) collections
//! alike, quotes and comments included. It stops at the first level over
//! the limit, so deep text costs no more than shallow text.

use std::mem::MaybeUninit;

use libyaml_rs as sys;

/// Where `text` first opens a collection deeper than `limit` (the
/// top-level collection is depth 1): the 1-based line and column, or `None`
/// when it never does. Syntax errors end the scan with `None`: the real
/// parse reports them, at no more depth than the scan saw.
pub(crate) fn first_too_deep(text: &str, limit: usize) -> Option<(u64, u64)> {
    // SAFETY: the parser is initialised before use and deleted once; its
    // input (`text`) outlives it; every event it returns is deleted after
    // its type and mark were copied out.
    unsafe {
        let mut parser = MaybeUninit::<sys::yaml_parser_t>::uninit();
        let p = parser.as_mut_ptr();
        if sys::yaml_parser_initialize(p).fail {
            return None;
        }
        sys::yaml_parser_set_input_string(p, text.as_ptr(), text.len() as u64);
        let mut depth = 0usize;
        let mut found = None;
        loop {
            let mut event = MaybeUninit::<sys::yaml_event_t>::uninit();
            let e = event.as_mut_ptr();
            if sys::yaml_parser_parse(p, e).fail {
                break;
            }
            let (kind, mark) = ((*e).type_, (*e).start_mark);
            sys::yaml_event_delete(e);
            match kind {
                sys::YAML_SEQUENCE_START_EVENT | sys::YAML_MAPPING_START_EVENT => {
                    depth += 1;
                    if depth > limit {
                        found = Some((mark.line + 1, mark.column + 1));
                        break;
                    }
                }
                sys::YAML_SEQUENCE_END_EVENT | sys::YAML_MAPPING_END_EVENT => {
                    depth = depth.saturating_sub(1)
                }
                sys::YAML_STREAM_END_EVENT => break,
                _ => {}
            }
        }
        sys::yaml_parser_delete(p);
        found
    }
}

#[cfg(test)]
mod tests {
    use super::first_too_deep;

    #[test]
    fn finds_the_first_level_over_the_limit() {
        assert_eq!(first_too_deep("a: [[1]]", 3), None);
        assert_eq!(first_too_deep("a: [[[1]]]", 3), Some((1, 6)));
        assert_eq!(first_too_deep("a:\n  b:\n    c: 1\n", 2), Some((3, 5)));
        assert_eq!(first_too_deep("a: '[[[[[['\n# [[[[[[\n", 1), None);
        assert_eq!(first_too_deep("a: [[[", 9), None);
    }
}
