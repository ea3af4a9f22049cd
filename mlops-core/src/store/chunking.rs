//! Content-defined chunking (FastCDC 2020) of a buffer on every core, with
//! exactly the cut points of one sequential pass.
//!
//! A FastCDC cut depends only on where the chunk starts and the bytes after
//! it (the gear hash restarts at each chunk). So the buffer is split into
//! segments, each chunked on its own from its first byte as if a chunk
//! started there, and the results are stitched: the chunks of the first
//! segment are right; past a segment's start, the true chunks (cut one by
//! one from where the previous segment's run ended) soon start where one of
//! the segment's guessed chunks starts, and from there on the guesses are
//! the true chunks. Usually one or two chunks per segment are cut twice.

use fastcdc::v2020::FastCDC;
use rayon::prelude::*;

use super::{CHUNK_AVG, CHUNK_MAX, CHUNK_MIN};

/// Bytes per segment: each is chunked by one task.
const SEGMENT: usize = 2 * 1024 * 1024;

/// One chunk: `(offset, length)` within the buffer.
pub(super) type Cut = (usize, usize);

/// The chunks of `data`, as one FastCDC pass from its first byte cuts
/// them. The last one ends at `data.len()`; it is a true chunk only if the
/// content ends there.
pub(super) fn cut(data: &[u8]) -> Vec<Cut> {
    let chunker = FastCDC::new(data, CHUNK_MIN, CHUNK_AVG, CHUNK_MAX);
    if data.len() <= SEGMENT {
        // One segment: no task to hand to another thread.
        return run(&chunker, data.len(), 0, data.len());
    }
    let starts: Vec<usize> = (0..data.len()).step_by(SEGMENT).collect();
    let guesses: Vec<Vec<Cut>> = starts
        .par_iter()
        .map(|&from| run(&chunker, data.len(), from, from + SEGMENT))
        .collect();
    let mut out: Vec<Cut> = Vec::with_capacity(data.len() / CHUNK_AVG + 2);
    for guess in guesses {
        let mut pos = out.last().map_or(0, |&(o, n)| o + n);
        // Cut the true chunks one by one until one starts where a guessed
        // chunk does (or past every guess: then they were all wrong).
        let mut skip = guess.partition_point(|&(o, _)| o < pos);
        while skip < guess.len() && guess[skip].0 != pos {
            let (_, end) = chunker.cut(pos, data.len() - pos);
            out.push((pos, end - pos));
            pos = end;
            skip = guess.partition_point(|&(o, _)| o < pos);
        }
        out.extend_from_slice(&guess[skip..]);
    }
    // The last true chunks, if they passed every guess of the last segment.
    let pos = out.last().map_or(0, |&(o, n)| o + n);
    out.extend(run(&chunker, data.len(), pos, data.len()));
    out
}

/// Chunks from `from` (as if a chunk started there) until a chunk ends at
/// or past `until`, or the data ends.
fn run(chunker: &FastCDC, len: usize, from: usize, until: usize) -> Vec<Cut> {
    let mut out = Vec::with_capacity((until - from) / CHUNK_AVG + 2);
    let mut pos = from;
    while pos < len && pos < until {
        let (_, end) = chunker.cut(pos, len - pos);
        out.push((pos, end - pos));
        pos = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sequential(data: &[u8]) -> Vec<Cut> {
        FastCDC::new(data, CHUNK_MIN, CHUNK_AVG, CHUNK_MAX)
            .map(|c| (c.offset, c.length))
            .collect()
    }

    /// Deterministic bytes: random-looking, with long runs of a repeated
    /// pattern (where chunks are cut at the maximum size) in between.
    fn bytes(len: usize, seed: u64) -> Vec<u8> {
        let mut x = seed | 1;
        (0..len)
            .map(|i| {
                if (i / (3 * 1024 * 1024)) % 3 == 2 {
                    return (i % 7) as u8;
                }
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect()
    }

    #[test]
    fn parallel_cuts_equal_one_pass() {
        for (len, seed) in [
            (0, 1),
            (1, 2),
            (CHUNK_MIN, 3),
            (SEGMENT - 1, 4),
            (SEGMENT, 5),
            (SEGMENT + 1, 6),
            (3 * SEGMENT + 12_345, 7),
            (17 * 1024 * 1024 + 99, 8),
        ] {
            let data = bytes(len, seed);
            assert_eq!(cut(&data), sequential(&data), "length {len}");
        }
    }
}
