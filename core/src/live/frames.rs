//! `minikafka watch`'s hour as a viewer gets it: one snapshot per sample (a *frame*), so the
//! page can scrub back and draw the cluster as it was.
//!
//! The watch keeps up to an hour of samples; a page that opens late still wants that hour,
//! so the watch sends the frames it kept when a viewer connects, then each new one. An hour
//! of a big cluster would not fit in a browser, so frames are bounded by their size (their
//! partitions, members and commits: [`cost`]), not their count: beyond [`FRAME_BUDGET`] the
//! frames closest together in time are dropped ([`thin`]), so what is left still covers the
//! hour, evenly, with the newest frame always kept.

use crate::record::Millis;

use super::Snapshot;

/// How much of the hour a viewer is sent and keeps, counted in [`cost`] units (about 60
/// bytes of JSON each): an hour of one-second samples of a cluster with 40 partitions
/// watched fits.
pub const FRAME_BUDGET: usize = 150_000;

/// How far back frames reach.
pub const FRAMES_MS: Millis = 60 * 60 * 1000;

/// A frame's size: one per partition, member and committed offset, and one for the frame.
pub fn cost(s: &Snapshot) -> usize {
    1 + s.topics.iter().map(|t| t.partitions.len()).sum::<usize>()
        + s.groups
            .iter()
            .map(|g| g.members.len() + g.committed.len())
            .sum::<usize>()
}

/// Forget frames older than an hour before the newest, then drop frames until the rest fit
/// in `budget`: each time the one whose neighbours are closest in time (never the first
/// or the newest), so the frames left stay spread over the hour.
pub fn thin(frames: &mut Vec<Snapshot>, budget: usize) {
    let Some(newest) = frames.last().map(|f| f.at) else {
        return;
    };
    frames.retain(|f| newest - f.at <= FRAMES_MS);
    let mut total: usize = frames.iter().map(cost).sum();
    while total > budget && frames.len() > 2 {
        let drop = (1..frames.len() - 1)
            .min_by_key(|&i| frames[i + 1].at - frames[i - 1].at)
            .unwrap_or(1);
        total -= cost(&frames.remove(drop));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(at: Millis) -> Snapshot {
        Snapshot {
            at,
            brokers: Vec::new(),
            topics: Vec::new(),
            groups: Vec::new(),
        }
    }

    #[test]
    fn an_hour_is_kept_and_thinned_evenly_within_the_budget() {
        let mut frames: Vec<Snapshot> = (0..=4_000).map(|s| frame(s * 1_000)).collect();
        thin(&mut frames, usize::MAX);
        assert_eq!(frames.len(), 3_601, "older than an hour forgotten");
        assert_eq!(frames[0].at, 400_000);
        thin(&mut frames, 100);
        assert_eq!(frames.len(), 100);
        assert_eq!(frames.last().unwrap().at, 4_000_000, "the newest stays");
        assert_eq!(frames[0].at, 400_000, "the hour is still covered");
        let gaps: Vec<Millis> = frames.windows(2).map(|w| w[1].at - w[0].at).collect();
        let (min, max) = (gaps.iter().min().unwrap(), gaps.iter().max().unwrap());
        assert!(max - min <= 2 * min, "evenly spread: gaps {min}..{max}");
    }
}
