//! Where everything on the stage goes, in SVG units (the drawing is 1200 wide and scales to
//! the page). Pure functions of the [`Stage`], so that the geometry the lesson depends on
//! ("the committed flag stands on offset 95's cell") is tested without a browser.

use minikafka::record::Offset;

use crate::i18n::Lang;
use crate::stage::model::*;
use crate::stage::text;
use crate::stage::window::{window, Slot};

/// Width of the drawing at its widest, in SVG units (a small world is drawn narrower, so
/// that it is larger on the screen).
pub const WIDTH: f64 = 1200.0;
/// The narrower widths tried first, zooming in on small worlds.
const ZOOMS: [f64; 3] = [1000.0, 1100.0, WIDTH];
/// The height above which full logs give way to compact strips: what fits a 1280x720
/// projector under one row of controls and above the narration line.
pub const HEIGHT_BUDGET: f64 = 500.0;
/// Smallest text on the stage, in SVG units (= CSS px at 1280 wide).
pub const TEXT: f64 = 15.0;
/// One line of labels.
const LINE: f64 = 19.0;
/// From one line of a phase-by-phase tally to the next.
pub(crate) const TALLY_LINE: f64 = 18.0;
/// Width of a text label, estimated (tabular digits and system sans at `TEXT`).
pub(crate) fn text_width(s: &str) -> f64 {
    s.chars()
        .map(|c| if c.is_ascii() { 8.6 } else { 15.5 })
        .sum()
}

/// The whole drawing.
#[derive(Debug, Clone, PartialEq)]
pub struct StageLayout {
    /// Width of the drawing.
    pub width: f64,
    /// Height of the drawing.
    pub height: f64,
    /// Producer boxes, in the order of `Stage::producers`.
    pub producers: Vec<Rect>,
    /// One per band, in order.
    pub bands: Vec<BandLayout>,
}

/// A rectangle.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    /// Left.
    pub x: f64,
    /// Top.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
}

impl Rect {
    /// The middle of the left side.
    pub fn left_mid(&self) -> (f64, f64) {
        (self.x, self.y + self.h / 2.0)
    }
    /// The middle of the right side.
    pub fn right_mid(&self) -> (f64, f64) {
        (self.x + self.w, self.y + self.h / 2.0)
    }
}

/// A band: one group's logs and its box.
#[derive(Debug, Clone, PartialEq)]
pub struct BandLayout {
    /// The band's area.
    pub area: Rect,
    /// Logs drawn as compact strips (no numbers): too many to number on one screen.
    pub compact: bool,
    /// One per log, in order.
    pub logs: Vec<LogLayout>,
    /// The group box, if the band has a group.
    pub group: Option<GroupLayout>,
    /// Where the line saying what the latest rebalance stopped starts (left, baseline),
    /// and how wide it may be: under the logs it counts, where a band has room to spare.
    pub tally: Option<(f64, f64, f64)>,
    /// Where the group's delivery line goes: left, baseline, room.
    pub delivery: Option<(f64, f64, f64)>,
    /// The transaction coordinator's box, for an application with a `transactional.id`.
    pub txn: Option<Rect>,
}

/// One log's cells and markers.
#[derive(Debug, Clone, PartialEq)]
pub struct LogLayout {
    /// Where its name goes (right-aligned at this x, on the cells' middle line).
    pub label: (f64, f64),
    /// Top of the cells.
    pub cells_y: f64,
    /// Height of the cells.
    pub cell_h: f64,
    /// The slots, left to right, with their x and width.
    pub slots: Vec<(Slot, f64, f64)>,
    /// Markers, with their label rows.
    pub markers: Vec<Marker>,
    /// Range labels under the cells (not committed, read twice, lost).
    pub notes: Vec<Note>,
    /// Where its edge starts (the right end of the log).
    pub edge_from: (f64, f64),
}

/// A marker on a log.
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    /// Which layer.
    pub layer: Layer,
    /// The offset it marks.
    pub offset: Offset,
    /// Its x: the left edge of that offset's cell (a marker points at the *next* offset:
    /// the next to read, the next to write).
    pub x: f64,
    /// The label.
    pub text: String,
    /// The label's baseline.
    pub text_y: f64,
    /// Above the cells (flag, HW) or below (cursors, log start).
    pub above: bool,
    /// The label ends at the marker (it would run past the log on the right).
    pub text_end: bool,
}

/// Which offset a marker shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Layer {
    /// The first offset still in the log.
    LogStart,
    /// The group's committed offset (a flag).
    Committed,
    /// A member's position (a cursor in its colour; hollow for a dead one).
    Position {
        /// The member.
        member: String,
        /// Its colour index.
        colour: usize,
        /// Dead: where its memory was.
        ghost: bool,
    },
    /// The high watermark (the next offset to be written).
    HighWatermark,
    /// The last stable offset: `read_committed` consumers read below it.
    LastStable,
}

impl Layer {
    /// The `data-testid` word.
    pub fn word(&self) -> &'static str {
        match self {
            Layer::LogStart => "log-start",
            Layer::Committed => "committed",
            Layer::Position { .. } => "position",
            Layer::HighWatermark => "high-watermark",
            Layer::LastStable => "lso",
        }
    }
}

/// A labelled range of cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    /// What the range is.
    pub kind: NoteKind,
    /// `[from, to)`.
    pub range: (Offset, Offset),
    /// Left and right x of the range on the drawn cells.
    pub x: (f64, f64),
    /// The label's baseline.
    pub text_y: f64,
    /// The label.
    pub text: String,
    /// The label ends at the range's right end (it would run past the log).
    pub text_end: bool,
}

/// Kinds of ranges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteKind {
    /// Processed, not committed (hatched): a crash now delivers these again.
    Uncommitted,
    /// Processed twice.
    Duplicates,
    /// Never processed, moved past.
    Lost,
    /// A lag of 1 that is a transaction marker, not a record.
    MarkerLag,
}

/// A group box with its members.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupLayout {
    /// The whole box.
    pub area: Rect,
    /// The coordinator, on top: the rebalance happens there.
    pub coordinator: Rect,
    /// One per member, in the order of `GroupBox::members`.
    pub members: Vec<Rect>,
    /// The y of the dashed line above the bench, if anybody sits there.
    pub bench_y: Option<f64>,
}

/// Cell width in full logs, and the most cells a log shows.
const CELL_W: f64 = 30.0;
const MAX_CELLS: usize = 24;
const COMPACT_CELL_W: f64 = 22.0;
const FULL_CELL_H: f64 = 30.0;
const COMPACT_CELL_H: f64 = 16.0;
const MEMBER_H: f64 = 44.0;
const COORD_H: f64 = 52.0;

/// Presenter mode hides everything but the bar, the stage and the narration line, so the
/// stage may be taller: what fits a 1280x720 projector there.
pub const PRESENT_HEIGHT_BUDGET: f64 = 540.0;
/// Presenter mode zooms further in (larger type for the back of the room): a drawing 820
/// units wide is shown 1.5 times larger than one 1200 wide.
const PRESENT_ZOOMS: [f64; 5] = [820.0, 900.0, 1000.0, 1100.0, WIDTH];

/// Lay the stage out, as large as the projector allows: the narrowest drawing whose
/// height, scaled to the page's width, stays within [`HEIGHT_BUDGET`].
pub fn layout(stage: &Stage, lang: Lang) -> StageLayout {
    layout_for(stage, lang, false)
}

/// [`layout`], or in presenter mode (`present`) larger still, within the taller budget
/// [`PRESENT_HEIGHT_BUDGET`].
pub fn layout_for(stage: &Stage, lang: Lang, present: bool) -> StageLayout {
    let (zooms, height): (&[f64], f64) = if present {
        (&PRESENT_ZOOMS, PRESENT_HEIGHT_BUDGET)
    } else {
        (&ZOOMS, HEIGHT_BUDGET)
    };
    // Only a small world can be zoomed in; a crowded one is laid out once (every frame).
    let logs: usize = stage.bands.iter().map(|b| b.logs.len()).sum();
    if logs <= 8 {
        for &width in zooms {
            let budget = height * width / WIDTH;
            let laid = layout_at(stage, lang, width, budget, false);
            if laid.height <= budget {
                return laid;
            }
        }
    }
    // Full width, and strips where full logs do not fit.
    layout_at(stage, lang, WIDTH, height, true)
}

fn layout_at(stage: &Stage, lang: Lang, width: f64, budget: f64, strips: bool) -> StageLayout {
    let columns = if stage.bands.len() > 3 { 2 } else { 1 };
    let with_producers = columns == 1 && !stage.producers.is_empty();
    let band_x0 = if with_producers { 170.0 } else { 0.0 };
    let band_w = (width - band_x0) / columns as f64;
    let compact = if !strips {
        vec![false; stage.bands.len()]
    } else if logs_count(stage) > 16 {
        // More than 16 logs never fit with numbers: no need to try.
        vec![true; stage.bands.len()]
    } else {
        compacted(stage, columns, band_w, budget, lang)
    };
    let mut bands = Vec::new();
    let mut y_of_column = vec![0.0; columns];
    for (i, band) in stage.bands.iter().enumerate() {
        let column = i % columns;
        let x = band_x0 + column as f64 * band_w;
        let y = y_of_column[column];
        let laid = band_layout(
            band,
            Rect {
                x,
                y,
                w: band_w,
                h: 0.0,
            },
            compact[i],
            lang,
        );
        y_of_column[column] = y + laid.area.h;
        bands.push(laid);
    }
    let mut height = y_of_column.iter().cloned().fold(0.0, f64::max);
    let mut producers = Vec::new();
    if with_producers {
        // Each producer level with the first log of its topic.
        let mut taken: Vec<f64> = Vec::new();
        for p in &stage.producers {
            let target = stage.bands.iter().zip(&bands).find_map(|(b, l)| {
                b.logs
                    .iter()
                    .position(|log| log.topic == p.topic)
                    .map(|i| l.logs[i].cells_y)
            });
            let mut y = target.unwrap_or(40.0) - 6.0;
            while taken.iter().any(|t| (t - y).abs() < 50.0) {
                y += 50.0;
            }
            taken.push(y);
            producers.push(Rect {
                x: 4.0,
                y,
                w: 150.0,
                h: 44.0,
            });
            height = height.max(y + 50.0);
        }
    }
    StageLayout {
        width,
        height: height.max(120.0),
        producers,
        bands,
    }
}

/// Which bands are drawn as compact strips so that the stage fits `budget`: the bands
/// with the least story first (no uncommitted range, no duplicates, no losses, no
/// transaction), so that the logs the lesson is about keep their numbered cells. (S12's
/// end: the two `orders` logs, all committed, become strips; `invoices` keeps its cells.)
fn compacted(stage: &Stage, columns: usize, band_w: f64, budget: f64, lang: Lang) -> Vec<bool> {
    let full: Vec<f64> = stage
        .bands
        .iter()
        .map(|b| band_height(b, false, band_w, lang))
        .collect();
    let strip: Vec<f64> = stage
        .bands
        .iter()
        .map(|b| band_height(b, true, band_w, lang))
        .collect();
    let column_height = |compact: &[bool], c: usize| -> f64 {
        (0..compact.len())
            .filter(|i| i % columns == c)
            .map(|i| if compact[i] { strip[i] } else { full[i] })
            .sum()
    };
    let mut order: Vec<usize> = (0..stage.bands.len()).collect();
    // Least story first; among equals, the one that saves most height.
    minikafka::sort::sort_by_key(&mut order, |i| {
        (story(&stage.bands[*i]), -((full[*i] - strip[*i]) as i64))
    });
    let mut compact = vec![false; stage.bands.len()];
    // Only a band of the tallest column makes the stage shorter.
    while let Some((tallest, h)) = (0..columns)
        .map(|c| (c, column_height(&compact, c)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
    {
        if h <= budget {
            break;
        }
        match order
            .iter()
            .find(|i| **i % columns == tallest && !compact[**i])
        {
            Some(i) => compact[*i] = true,
            None => break,
        }
    }
    compact
}

/// How much of the lesson a band's logs carry: each range or transaction drawn on them,
/// and most of all an open transaction holding the LSO back (S13's frozen zombie).
fn story(band: &Band) -> usize {
    band.logs
        .iter()
        .map(|l| {
            usize::from(l.uncommitted.is_some())
                + usize::from(!l.duplicates.is_empty())
                + usize::from(!l.lost.is_empty())
                + usize::from(!l.txns.is_empty())
                + 2 * usize::from(l.last_stable < l.high_watermark)
        })
        .sum()
}

fn logs_count(stage: &Stage) -> usize {
    stage.bands.iter().map(|b| b.logs.len()).sum()
}

/// The group box's width: members' names must fit.
fn group_width(band_w: f64) -> f64 {
    (band_w * 0.24).clamp(215.0, 250.0)
}

fn band_height(band: &Band, compact: bool, band_w: f64, lang: Lang) -> f64 {
    band_layout(
        band,
        Rect {
            x: 0.0,
            y: 0.0,
            w: band_w,
            h: 0.0,
        },
        compact,
        lang,
    )
    .area
    .h
}

fn band_layout(band: &Band, area: Rect, compact: bool, lang: Lang) -> BandLayout {
    let gw = if band.group.is_some() {
        group_width(area.w)
    } else {
        0.0
    };
    let logs_x = area.x + 56.0;
    // Room between the logs and the group box for the edges to bend.
    let logs_right = area.x + area.w - gw - 60.0;
    let cell_w = if compact { COMPACT_CELL_W } else { CELL_W };
    let max_cells = (((logs_right - logs_x) / cell_w).floor() as usize).clamp(6, MAX_CELLS);
    let mut y = area.y + 8.0;
    let mut logs = Vec::new();
    let mut last_topic: Option<&str> = None;
    for log in &band.logs {
        if last_topic != Some(log.topic.as_str()) {
            // The topic's name heads its partitions.
            y += LINE + 2.0;
            last_topic = Some(&log.topic);
        }
        let orphan =
            band.group.is_some() && log.edge.as_ref().is_none_or(|e| e.kind == EdgeKind::Stale);
        let grid = Grid {
            x0: logs_x,
            cell_w,
            max_cells,
            compact,
        };
        let laid = log_layout(log, grid, y, orphan, lang);
        y = laid.1;
        logs.push(laid.0);
    }
    let room = area.x + area.w - gw - 24.0 - logs_x;
    let tally = band.group.as_ref().and_then(|g| g.tally.as_ref()).map(|t| {
        y += LINE + 4.0;
        if t.phases.is_empty() {
            return (logs_x, y, room);
        }
        // A phase-by-phase tally (S14) has one line per phase begun, each three figures
        // long: it starts under the partition names to have the room.
        let first = y;
        y += TALLY_LINE * (t.phases.len() - 1) as f64;
        let x = area.x + 16.0;
        (x, first, room + logs_x - x)
    });
    // One line under the logs: the rebalance's stops while they are the news, else what
    // the group was handed (read twice, lost, aborted).
    let delivery = band
        .group
        .as_ref()
        .and_then(|g| g.delivery)
        .filter(|_| tally.is_none())
        .map(|_| {
            y += LINE + 4.0;
            (logs_x, y, room)
        });
    // The transaction coordinator, under the logs of the application it serves.
    let txn = band.group.as_ref().and_then(|g| g.txn.as_ref()).map(|_| {
        y += 12.0;
        let r = Rect {
            x: logs_x,
            y,
            w: room.min(460.0),
            h: COORD_H,
        };
        y += COORD_H;
        r
    });
    let group = band.group.as_ref().map(|g| {
        group_layout(
            g,
            Rect {
                x: area.x + area.w - gw - 4.0,
                y: area.y + 4.0,
                w: gw,
                h: 0.0,
            },
        )
    });
    let bottom = group.as_ref().map_or(y, |g| g.area.y + g.area.h).max(y) + 12.0;
    BandLayout {
        area: Rect {
            h: bottom - area.y,
            ..area
        },
        compact,
        logs,
        group,
        tally,
        delivery,
        txn,
    }
}

/// Lays out one log with its top at `y`; returns it and the y below it.
/// How a band draws its logs: where they start, cell width, how many cells, compact or not.
#[derive(Debug, Clone, Copy)]
struct Grid {
    x0: f64,
    cell_w: f64,
    max_cells: usize,
    compact: bool,
}

fn log_layout(log: &Log, grid: Grid, y: f64, orphan: bool, lang: Lang) -> (LogLayout, f64) {
    let Grid {
        x0,
        cell_w,
        max_cells,
        compact,
    } = grid;
    // A narrow band (two columns of groups) has no room for the long labels' explanations.
    let narrow = max_cells < 14;
    let mut important: Vec<Offset> = log.cursors.iter().map(|c| c.offset).collect();
    important.extend(log.committed);
    important.extend(log.uncommitted.map(|(a, _)| a));
    important.extend(log.duplicates.first());
    important.extend(log.lost.first());
    if let Some(t) = log.txns.last() {
        important.extend([t.first(), t.last()]);
    }
    let transactional = !log.txns.is_empty() || log.last_stable < log.high_watermark;
    if transactional {
        important.push(log.last_stable);
    }
    let slots = window(log.log_start, log.high_watermark, &important, max_cells);
    let mut placed = Vec::new();
    let mut x = x0;
    for s in &slots {
        let w = match s {
            Slot::Cell(_) => cell_w,
            Slot::Break(_) => cell_w * 0.9,
        };
        placed.push((*s, x, w));
        x += w;
    }
    let end_x = x;
    // A long log's edge starts where its row of cells may end, not where this moment's
    // cells end: the window shows a cell or a break more or less as records arrive, and an
    // edge that moved with it would restart its transition on every frame (64 of them
    // cost a crowded stage a third of its frames).
    let edge_x = if log.high_watermark - log.log_start >= max_cells as i64 {
        end_x.max(x0 + max_cells as f64 * cell_w)
    } else {
        end_x
    };
    let x_of = |o: Offset| -> f64 {
        // The cell of `o`, or the nearest drawn cell after it (a hidden offset sits in a
        // break; the marker goes to the break's right edge).
        let o = o.clamp(log.log_start, log.high_watermark.max(log.log_start));
        placed
            .iter()
            .find_map(|(s, x, _)| match s {
                Slot::Cell(c) if *c == o => Some(*x),
                Slot::Cell(c) if *c > o => Some(*x),
                Slot::Break(_) => None,
                Slot::Cell(_) => None,
            })
            .or_else(|| placed.last().map(|(_, x, w)| x + w))
            .unwrap_or(x0)
    };
    // Labels above: the flag and the HW. Below: cursors and the log start, then ranges.
    let mut above: Vec<(Layer, Offset, String)> = Vec::new();
    let mut below: Vec<(Layer, Offset, String)> = Vec::new();
    if let Some(c) = log.committed {
        let mut label = text::committed(c, lang);
        if orphan && !narrow {
            // Nobody reads this partition now: the flag is where reading resumes.
            label = format!(
                "{label} · {}",
                text::word(text::Word::NextOwnerStartsHere, lang)
            );
        }
        above.push((Layer::Committed, c, label));
    }
    above.push((
        Layer::HighWatermark,
        log.high_watermark,
        format!("HW {}", log.high_watermark),
    ));
    if transactional {
        above.push((
            Layer::LastStable,
            log.last_stable,
            text::last_stable(
                log.last_stable,
                log.last_stable < log.high_watermark && !narrow,
                lang,
            ),
        ));
    }
    for c in &log.cursors {
        let text = text::cursor(&c.member, c.offset, c.ghost, lang);
        below.push((
            Layer::Position {
                member: c.member.clone(),
                colour: c.colour,
                ghost: c.ghost,
            },
            c.offset,
            text,
        ));
    }
    below.push((
        Layer::LogStart,
        log.log_start,
        text::log_start(log.log_start, lang),
    ));
    let right_limit = end_x + 40.0;
    let (above_rows, above_laid) = rows(&above, &x_of, !compact, right_limit);
    let (below_rows, below_laid) = rows(&below, &x_of, !compact, right_limit);
    let cell_h = if compact { COMPACT_CELL_H } else { FULL_CELL_H };
    let above_h = if compact {
        6.0
    } else {
        above_rows as f64 * LINE + 8.0
    };
    let cells_y = y + above_h;
    let below_y = cells_y + cell_h + 12.0;
    let mut markers = Vec::new();
    for ((layer, offset, text), (row, text_end)) in above.into_iter().zip(above_laid) {
        markers.push(Marker {
            layer,
            offset,
            x: x_of(offset),
            text,
            text_y: cells_y - 8.0 - row as f64 * LINE,
            above: true,
            text_end,
        });
    }
    for ((layer, offset, text), (row, text_end)) in below.into_iter().zip(below_laid) {
        markers.push(Marker {
            layer,
            offset,
            x: x_of(offset),
            text,
            text_y: below_y + 4.0 + row as f64 * LINE + LINE * 0.6,
            above: false,
            text_end,
        });
    }
    let mut notes = Vec::new();
    let mut notes_y = below_y + below_rows as f64 * LINE + LINE * 0.6 + 4.0;
    if !compact {
        let ranges = [
            (
                NoteKind::Uncommitted,
                log.uncommitted,
                log.uncommitted.map_or(0, |(a, b)| b - a),
            ),
            (
                NoteKind::Duplicates,
                span(&log.duplicates),
                log.duplicates.len() as i64,
            ),
            (NoteKind::Lost, span(&log.lost), log.lost.len() as i64),
            (NoteKind::MarkerLag, marker_lag(log), 1),
        ];
        for (kind, range, count) in ranges {
            if let Some((a, b)) = range {
                let text = if narrow && kind == NoteKind::Uncommitted {
                    // Without "a crash delivers them again": the legend says it.
                    text::uncommitted_short(a, b, lang)
                } else if narrow && kind == NoteKind::MarkerLag {
                    text::marker_lag_short(a, lang)
                } else {
                    text::range(kind, a, b, count, lang)
                };
                notes.push(Note {
                    text_end: x_of(a) + text_width(&text) > right_limit,
                    text,
                    kind,
                    range: (a, b),
                    x: (x_of(a), x_of(b)),
                    text_y: notes_y,
                });
                notes_y += LINE;
            }
        }
    }
    let bottom = if compact {
        cells_y + cell_h + 8.0
    } else {
        notes_y + 4.0
    };
    (
        LogLayout {
            label: (x0 - 8.0, cells_y + cell_h / 2.0 + 5.0),
            cells_y,
            cell_h,
            slots: placed,
            markers,
            notes,
            edge_from: (edge_x + 8.0, cells_y + cell_h / 2.0),
        },
        bottom,
    )
}

/// `[hw - 1, hw)` when the group's lag of 1 is a COMMIT or ABORT marker: the group has
/// read everything there is, and the marker, which takes an offset, is all that is left.
fn marker_lag(log: &Log) -> Option<(Offset, Offset)> {
    let hw = log.high_watermark;
    let marker = log.txns.iter().any(|t| {
        matches!(t.end, crate::stage::txn::TxnEnd::Committed(m) | crate::stage::txn::TxnEnd::Aborted(m) if m == hw - 1)
    });
    (marker && log.committed == Some(hw - 1)).then_some((hw - 1, hw))
}

/// The first and one-past-last of a sorted offset list.
fn span(offsets: &[Offset]) -> Option<(Offset, Offset)> {
    Some((*offsets.first()?, offsets.last()? + 1))
}

/// Puts labels on rows so that none overlap; returns the number of rows and each label's
/// row, and whether it ends at its marker (a label that would run past `right_limit`).
/// Without labels (compact logs) everything is on row 0.
fn rows(
    labels: &[(Layer, Offset, String)],
    x_of: &dyn Fn(Offset) -> f64,
    with_text: bool,
    right_limit: f64,
) -> (usize, Vec<(usize, bool)>) {
    if !with_text {
        return (0, vec![(0, false); labels.len()]);
    }
    let mut taken: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut out = Vec::new();
    for (_, offset, text) in labels {
        let x = x_of(*offset);
        let width = text_width(text);
        let text_end = x + 14.0 + width > right_limit;
        let span = if text_end {
            (x - 14.0 - width, x + 2.0)
        } else {
            (x - 2.0, x + 14.0 + width)
        };
        let row = taken
            .iter()
            .position(|r| r.iter().all(|(a, b)| span.1 < *a || span.0 > *b))
            .unwrap_or_else(|| {
                taken.push(Vec::new());
                taken.len() - 1
            });
        taken[row].push(span);
        out.push((row, text_end));
    }
    (taken.len(), out)
}

fn group_layout(group: &GroupBox, area: Rect) -> GroupLayout {
    let pad = 8.0;
    let coordinator = Rect {
        x: area.x + pad,
        y: area.y + 26.0,
        w: area.w - 2.0 * pad,
        h: COORD_H,
    };
    let mut y = coordinator.y + coordinator.h + 12.0;
    // A live consumer-protocol member has a row of partition chips under its name; such a
    // group's cards stand a little closer to stay within the projector's height.
    let kip848 = group.kip848.is_some();
    let gap = if kip848 { 6.0 } else { 8.0 };
    let mut members = Vec::new();
    let mut bench_y = None;
    let mut benched = false;
    for m in &group.members {
        let member_h = if kip848 && !m.state.gone() {
            MEMBER_H + 14.0
        } else {
            MEMBER_H
        };
        if m.state.on_bench() && !benched {
            benched = true;
            bench_y = Some(y + 4.0);
            y += 26.0;
        }
        members.push(Rect {
            x: area.x + pad + if m.state.on_bench() { 12.0 } else { 0.0 },
            y,
            w: area.w - 2.0 * pad - if m.state.on_bench() { 12.0 } else { 0.0 },
            h: member_h,
        });
        y += member_h + gap;
    }
    GroupLayout {
        area: Rect {
            h: y - area.y + 4.0,
            ..area
        },
        coordinator,
        members,
        bench_y,
    }
}
