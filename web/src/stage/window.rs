//! Which offset cells a log shows. A projector can show about two dozen numbered cells in a
//! row; a log has thousands. So the stage keeps the cells around what matters (log start,
//! the committed flag, the cursors, the high watermark) and replaces the rest with a
//! visible break that says how many offsets it hides.

use minikafka::record::Offset;

/// One slot of a drawn log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// The cell of this offset. The slot at the high watermark is the empty cell where the
    /// next record will be written.
    Cell(Offset),
    /// A zig-zag break hiding this many offsets.
    Break(i64),
}

/// The slots for a log `[log_start, high_watermark]` (the last one is the next write), at
/// most `max` of them, keeping every `important` offset (and some context before it:
/// the records behind a flag or a cursor are the ones the lesson is about).
pub fn window(
    log_start: Offset,
    high_watermark: Offset,
    important: &[Offset],
    max: usize,
) -> Vec<Slot> {
    let lo = log_start;
    let hi = high_watermark.max(log_start);
    let max = max.max(3) as i64;
    if hi - lo < max {
        return (lo..=hi).map(Slot::Cell).collect();
    }
    let mut points: Vec<Offset> = important.iter().map(|o| (*o).clamp(lo, hi)).collect();
    points.push(hi);
    minikafka::sort::sort(&mut points);
    points.dedup();
    // The widest symmetric context that fits, then the spare cells go before the last
    // point (the newest records).
    let mut radius = max;
    loop {
        let ranges = ranges_of(lo, hi, &points, radius);
        if cost(&ranges) <= max || radius == 0 {
            let mut ranges = ranges;
            let spare = max - cost(&ranges);
            if spare > 0 {
                if let Some(last) = ranges.last_mut() {
                    last.0 = (last.0 - spare).max(lo);
                }
                ranges = merge(ranges);
                // Merging may have freed a break's slot; never exceed the budget.
                while cost(&ranges) > max {
                    match ranges.last_mut() {
                        Some(last) if last.0 < last.1 => last.0 += 1,
                        _ => break,
                    }
                }
            }
            return slots(lo, hi, &ranges);
        }
        radius -= 1;
    }
}

/// Inclusive ranges around each point; the log start keeps one cell of its own.
fn ranges_of(lo: Offset, hi: Offset, points: &[Offset], radius: i64) -> Vec<(Offset, Offset)> {
    let mut ranges = vec![(lo, lo + radius.min(1))];
    for p in points {
        ranges.push(((p - radius).max(lo), (p + radius / 2).min(hi)));
    }
    merge(ranges)
}

fn merge(mut ranges: Vec<(Offset, Offset)>) -> Vec<(Offset, Offset)> {
    minikafka::sort::sort(&mut ranges);
    let mut out: Vec<(Offset, Offset)> = Vec::new();
    for (a, b) in ranges {
        match out.last_mut() {
            // Touching or one apart: a break hiding one offset would cost as much as it.
            Some(last) if a <= last.1 + 2 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

/// Slots needed: the cells plus one per break.
fn cost(ranges: &[(Offset, Offset)]) -> i64 {
    ranges.iter().map(|(a, b)| b - a + 1).sum::<i64>() + ranges.len() as i64 - 1
}

fn slots(lo: Offset, hi: Offset, ranges: &[(Offset, Offset)]) -> Vec<Slot> {
    let mut out = Vec::new();
    let mut next = lo;
    for (a, b) in ranges {
        if *a > next {
            out.push(Slot::Break(a - next));
        }
        out.extend((*a..=*b).map(Slot::Cell));
        next = b + 1;
    }
    if next <= hi {
        out.push(Slot::Break(hi - next + 1));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(slots: &[Slot]) -> Vec<Offset> {
        slots
            .iter()
            .filter_map(|s| match s {
                Slot::Cell(o) => Some(*o),
                Slot::Break(_) => None,
            })
            .collect()
    }

    #[test]
    fn a_short_log_shows_every_cell_and_the_next_write() {
        let w = window(0, 5, &[3], 24);
        assert_eq!(cells(&w), vec![0, 1, 2, 3, 4, 5]);
    }

    #[test]
    fn s1_keeps_the_flag_the_cursor_and_the_log_start_within_the_budget() {
        let w = window(0, 101, &[95, 101], 24);
        assert!(w.len() <= 24, "{w:?}");
        let c = cells(&w);
        for o in [0, 95, 96, 100, 101] {
            assert!(c.contains(&o), "{o} missing from {w:?}");
        }
        let hidden: i64 = w
            .iter()
            .map(|s| match s {
                Slot::Break(n) => *n,
                Slot::Cell(_) => 0,
            })
            .sum();
        assert_eq!(
            hidden as usize + c.len(),
            102,
            "every offset is a cell or counted in a break"
        );
    }

    #[test]
    fn far_apart_points_each_get_cells_and_a_break_between() {
        let w = window(0, 10_000, &[10, 5_000], 24);
        assert!(w.len() <= 24);
        let c = cells(&w);
        assert!(c.contains(&10) && c.contains(&5_000) && c.contains(&10_000));
        let breaks = w.iter().filter(|s| matches!(s, Slot::Break(_))).count();
        assert!((2..=3).contains(&breaks), "{w:?}");
    }
}
