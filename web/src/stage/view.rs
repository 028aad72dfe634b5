//! The stage as SVG, drawn from its layout. Pure rendering: every position comes from
//! `layout.rs`; this file only picks shapes, colours and patterns (each meaning has a shape
//! or pattern too, never colour alone).
//!
//! Each log, group and producer is written as one SVG string (a raw node keyed by what it
//! draws), not as a tree of `html!` elements: Yew then compares one string per log and
//! redraws only the logs that changed, which keeps 64 partitions at frame rate, and the
//! writer is a fraction of the code `html!` generates (the page has a size budget). Only
//! the travelling batches are elements of their own, so their animation survives redraws.

use std::fmt::Write;

use yew::prelude::*;

use crate::i18n::{t, Lang};
use crate::px::Px;
use crate::stage::kip848::{ChipKind, Kip848Member};
use crate::stage::layout::{layout_for, BandLayout, GroupLayout, Layer, LogLayout, NoteKind, Rect};
use crate::stage::model::*;
use crate::stage::text::{self, word, Word};
use crate::stage::txn::TxnEnd;
use crate::stage::window::Slot;

/// Text for SVG: `&`, `<`, `>` and quotes escaped (names come from real clients in live
/// mode).
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A raw SVG fragment as a node.
fn raw(svg: String) -> Html {
    Html::from_html_unchecked(AttrValue::from(svg))
}

/// The stage's properties.
#[derive(Properties, PartialEq)]
pub struct StageProps {
    /// What to draw.
    pub stage: Stage,
    /// The page language.
    pub lang: Lang,
    /// Presenter mode: larger type, more height.
    #[prop_or_default]
    pub present: bool,
}

/// Processed, not committed: diagonal hatching, so it reads without colour.
const DEFS: &str = r##"<defs><pattern id="hatch" width="7" height="7" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="7" height="7" fill="#fff3b0"/><line x1="0" y1="0" x2="0" y2="7" stroke="#b08800" stroke-width="3"/></pattern><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#555"/></marker></defs>"##;

/// The stage: producers, logs, groups, and the lines between them.
#[function_component(StageView)]
pub fn stage_view(props: &StageProps) -> Html {
    let lang = props.lang;
    let stage = &props.stage;
    let laid = layout_for(stage, lang, props.present);
    let view_box = format!("0 0 {} {}", Px(laid.width), Px(laid.height));
    // Where each producer's batches take off: the right end of its box, by colour.
    let sources: Vec<(usize, (f64, f64))> = stage
        .producers
        .iter()
        .zip(&laid.producers)
        .map(|(p, r)| (p.colour, r.right_mid()))
        .collect();
    let mut head = String::from(DEFS);
    if !laid.producers.is_empty() {
        let _ = write!(
            head,
            r##"<text class="heading" x="6" y="16">{}</text>"##,
            word(Word::Producers, lang)
        );
    }
    for (p, r) in stage.producers.iter().zip(&laid.producers) {
        producer(&mut head, p, r, stage, &laid, lang);
    }
    let bands = stage.bands.iter().zip(&laid.bands).map(|(b, l)| {
        let group = b.group.as_ref().map(|g| g.id.clone()).unwrap_or_default();
        let is_crowded = l.compact;
        let crowded = is_crowded.then(|| crowded_logs(b, l, lang));
        let logs = b.logs.iter().zip(&l.logs).enumerate().filter(|_| !is_crowded).map(|(i, (log, ll))| {
            let mut svg = String::new();
            log_svg(&mut svg, b, l, i, log, ll, lang);
            let chips = (!l.compact).then(|| flights(log, ll, &sources));
            html! {
                <g key={format!("{}-{}", log.topic, log.partition)}>{ raw(svg) }{ for chips }{ for cursor_nodes(ll) }</g>
            }
        });
        let mut edges = String::new();
        edges_svg(&mut edges, b, l, stage.now, lang);
        let mut group_svg = String::new();
        // Each member its own string: only the members that changed are drawn again.
        let mut members = Vec::new();
        if let (Some(g), Some(gl)) = (&b.group, &l.group) {
            group_box(&mut group_svg, g, gl, lang);
            for (m, r) in g.members.iter().zip(&gl.members) {
                let mut svg = String::new();
                let k = g
                    .kip848
                    .as_ref()
                    .and_then(|k| k.members.iter().find(|x| x.name == m.name));
                member_svg(&mut svg, m, r, k.map(|k| k.epoch), lang);
                if let Some(k) = k {
                    kip848_member(&mut svg, k, m.colour, r, lang);
                }
                members.push(html! { <g key={m.name.clone()}>{ raw(svg) }</g> });
            }
        }
        html! {
            <g class="band" key={group.clone()} data-group={group}>
                { for crowded }
                { for logs }
                { raw(edges) }
                { for edge_nodes(b, l) }
                { for fetch_nodes(b, l) }
                { raw(group_svg) }
                { for members }
            </g>
        }
    });
    html! {
        <div class="stage-wrap">
            <svg class="stage" data-testid="stage" viewBox={view_box} role="img"
                aria-label={word(Word::Description, lang)} preserveAspectRatio="xMidYMin meet">
                { raw(head) }
                { for bands }
            </svg>
        </div>
    }
}

fn producer(
    out: &mut String,
    p: &StageProducer,
    r: &Rect,
    stage: &Stage,
    laid: &crate::stage::layout::StageLayout,
    lang: Lang,
) {
    let colour = producer_colour(p.colour);
    let _ = write!(
        out,
        r##"<g class="producer-node" data-testid="stage-producer-{}">"##,
        esc(&p.name)
    );
    // An arrow to each of its topic's logs in the first band that reads the topic.
    let (fx, fy) = r.right_mid();
    if let Some((b, l)) = stage
        .bands
        .iter()
        .zip(&laid.bands)
        .find(|(b, _)| b.logs.iter().any(|log| log.topic == p.topic))
    {
        for (_, ll) in b
            .logs
            .iter()
            .zip(&l.logs)
            .filter(|(log, _)| log.topic == p.topic)
        {
            let (tx, ty) = (ll.label.0 - 30.0, ll.cells_y + ll.cell_h / 2.0);
            let _ = write!(
                out,
                r##"<path class="feed" d="M {} {} C {} {}, {} {}, {} {}" marker-end="url(#arrow)"/>"##,
                Px(fx),
                Px(fy),
                Px(fx + 30.0),
                Px(fy),
                Px(tx - 30.0),
                Px(ty),
                Px(tx),
                Px(ty)
            );
        }
    }
    card(
        out,
        r,
        colour,
        &esc(&p.name),
        &text::sent(p.sent, p.rate, lang),
    );
    out.push_str("</g>");
}

/// A box with a bold name and one line under it: a producer or a member (their CSS gives
/// the fill and the outline's width).
fn card(out: &mut String, r: &Rect, stroke: &str, name: &str, line: &str) {
    let _ = write!(
        out,
        r##"<rect x="{}" y="{}" width="{}" height="{}" rx="8" stroke="{stroke}"/><text class="name" x="{}" y="{}">{name}</text><text class="small" x="{}" y="{}">{line}</text>"##,
        Px(r.x),
        Px(r.y),
        Px(r.w),
        Px(r.h),
        Px(r.x + 10.0),
        Px(r.y + 19.0),
        Px(r.x + 10.0),
        Px(r.y + 37.0)
    );
}
/// ` b2` after a partition's label when the stage knows its leader (a watched cluster of
/// several brokers), with the words in a tooltip.
fn leader_label(log: &Log, lang: Lang) -> String {
    match log.leader {
        Some(node) => format!(
            r##" <tspan data-testid="stage-leader-{}-{}">b{node}<title>{} {node}</title></tspan>"##,
            esc(&log.topic),
            log.partition,
            match lang {
                Lang::En => "leader: broker",
                Lang::Zh => "leader：broker",
            }
        ),
        None => String::new(),
    }
}

/// The x of an offset's cell on a drawn log (the next drawn cell for a hidden one).
fn x_at(ll: &LogLayout, o: i64) -> f64 {
    ll.slots
        .iter()
        .find_map(|(s, x, _)| matches!(s, Slot::Cell(c) if *c >= o).then_some(*x))
        .or_else(|| ll.slots.last().map(|(_, x, w)| x + w))
        .unwrap_or(0.0)
}

fn log_svg(
    out: &mut String,
    band: &Band,
    bl: &BandLayout,
    index: usize,
    log: &Log,
    ll: &LogLayout,
    lang: Lang,
) {
    let id = format!("{}-{}", esc(&log.topic), log.partition);
    let group = band.group.as_ref().map(|g| esc(&g.id)).unwrap_or_default();
    // Only full logs come here: compact bands are drawn by `crowded_logs`.
    let (y, h) = (ll.cells_y, ll.cell_h);
    // The topic's name heads its partitions.
    if index == 0 || band.logs[index - 1].topic != log.topic {
        let top = ll
            .markers
            .iter()
            .filter(|m| m.above)
            .map(|m| m.text_y)
            .fold(y, f64::min);
        let hy = top - 22.0;
        let _ = write!(
            out,
            r##"<text class="heading" x="{}" y="{}">{} {}</text>"##,
            Px((ll.label.0 - 40.0).max(bl.area.x + 4.0)),
            Px(hy),
            word(Word::Topic, lang),
            esc(&log.topic)
        );
    }
    let _ = write!(
        out,
        r##"<g class="log" data-testid="stage-log-{id}" data-group="{group}"><text class="plabel" x="{}" y="{}" text-anchor="end">p{}{}</text>"##,
        Px(ll.label.0),
        Px(ll.label.1),
        log.partition,
        leader_label(log, lang)
    );
    let fresh_of = |o: i64| {
        log.fresh
            .iter()
            .find(|(a, b, _)| o >= *a && o < *b)
            .map(|(_, _, p)| *p)
    };
    for (slot, x, w) in &ll.slots {
        match slot {
            Slot::Cell(o) => {
                let o = *o;
                let marker = log.txns.iter().find_map(|t| match t.end {
                    TxnEnd::Committed(m) if m == o => Some("C"),
                    TxnEnd::Aborted(m) if m == o => Some("A"),
                    _ => None,
                });
                let in_txn = log.txns.iter().find(|t| t.holds(o)).map(|t| t.end);
                let class = if o >= log.high_watermark {
                    "cell next"
                } else if marker == Some("C") {
                    "cell marker commit"
                } else if marker.is_some() {
                    "cell marker abort"
                } else if log.lost.binary_search(&o).is_ok() {
                    "cell lost"
                } else if log.committed.is_some_and(|c| o < c) {
                    "cell committed"
                } else if log.cursors.iter().any(|c| !c.ghost && o < c.offset) {
                    "cell read"
                } else {
                    "cell"
                };
                let stroke = fresh_of(o)
                    .map(|p| format!(r##" stroke="{}""##, producer_colour(p)))
                    .unwrap_or_default();
                let _ = write!(
                    out,
                    r##"<rect class="{class}" data-testid="cell-{id}-{o}" data-offset="{o}" x="{}" y="{}" width="{}" height="{}" rx="3"{stroke}/>"##,
                    Px(x + 1.0),
                    Px(y),
                    Px(w - 2.0),
                    Px(h)
                );
                if log.duplicates.binary_search(&o).is_ok() {
                    // Read twice: a double outline.
                    let _ = write!(
                        out,
                        r##"<rect class="dup" x="{}" y="{}" width="{}" height="{}" rx="2"/>"##,
                        Px(x + 3.5),
                        Px(y + 2.5),
                        Px(w - 7.0),
                        Px(h - 5.0)
                    );
                }
                if class == "cell lost" {
                    let _ = write!(
                        out,
                        r##"<path class="cross" d="M {} {} L {} {} M {} {} L {} {}"/>"##,
                        Px(x + 4.0),
                        Px(y + 4.0),
                        Px(x + w - 4.0),
                        Px(y + h - 4.0),
                        Px(x + w - 4.0),
                        Px(y + 4.0),
                        Px(x + 4.0),
                        Px(y + h - 4.0)
                    );
                }
                if matches!(in_txn, Some(TxnEnd::Aborted(_))) {
                    // Aborted: still in the log, never shown to read_committed.
                    let _ = write!(
                        out,
                        r##"<line class="strike" x1="{}" y1="{}" x2="{}" y2="{}"/>"##,
                        Px(x + 2.0),
                        Px(y + h / 2.0),
                        Px(x + w - 2.0),
                        Px(y + h / 2.0)
                    );
                }
                if let Some(letter) = marker {
                    // A marker takes an offset, like a record, but holds no data.
                    let _ = write!(
                        out,
                        r##"<text class="num marker-letter" x="{}" y="{}" text-anchor="middle">{letter}</text>"##,
                        Px(x + w / 2.0),
                        Px(y + h / 2.0 + 5.0)
                    );
                } else if o.to_string().len() <= 3 || o % 5 == 0 {
                    let _ = write!(
                        out,
                        r##"<text class="num" x="{}" y="{}" text-anchor="middle">{o}</text>"##,
                        Px(x + w / 2.0),
                        Px(y + h / 2.0 + 5.0)
                    );
                }
            }
            Slot::Break(n) => {
                // A zig-zag: offsets hidden here.
                let x0 = x + w / 2.0;
                let _ = write!(
                    out,
                    r##"<g class="break"><title>{n} offsets not drawn</title><path d="M {} {} l 5 {} l -10 {} l 10 {} l -5 {}"/><text class="small" x="{}" y="{}" text-anchor="middle">…</text></g>"##,
                    Px(x0),
                    Px(y - 2.0),
                    Px(h * 0.25),
                    Px(h * 0.25),
                    Px(h * 0.25),
                    Px(h * 0.25 + 4.0),
                    Px(x0),
                    Px(y - 4.0)
                );
            }
        }
    }
    for t in &log.txns {
        // One bracket over a transaction's records and its marker.
        let (a, b) = (t.first(), t.last());
        if b < a {
            continue;
        }
        let (x0, x1) = (x_at(ll, a), x_at(ll, b + 1));
        let kind = match t.end {
            TxnEnd::Open => "open",
            TxnEnd::Committed(_) => "committed",
            TxnEnd::Aborted(_) => "aborted",
        };
        let _ = write!(
            out,
            r##"<path class="txn {kind}" data-testid="txn-{id}-{a}" data-end="{kind}" d="M {} {} l 0 -5 L {} {} l 0 5"/>"##,
            Px(x0 + 2.0),
            Px(y - 1.0),
            Px(x1 - 2.0),
            Px(y - 6.0),
        );
    }
    if let Some((a, b)) = log.uncommitted {
        let (x0, x1) = (x_at(ll, a), x_at(ll, b));
        let _ = write!(
            out,
            r##"<rect class="uncommitted" data-testid="uncommitted-{id}" data-from="{a}" data-to="{b}" x="{}" y="{}" width="{}" height="{}" fill="url(#hatch)"/>"##,
            Px(x0 + 1.0),
            Px(y + h - 8.0),
            Px((x1 - x0 - 2.0).max(0.0)),
            Px(8.0)
        );
    }
    for n in &ll.notes {
        let (class, name) = match n.kind {
            NoteKind::Uncommitted => ("note uncommitted", "uncommitted"),
            NoteKind::Duplicates => ("note dups", "duplicates"),
            NoteKind::Lost => ("note lost", "lost"),
            NoteKind::MarkerLag => ("note marker-lag", "marker-lag"),
        };
        let (tx, anchor) = if n.text_end {
            (n.x.1 - 2.0, "end")
        } else {
            (n.x.0 + 2.0, "start")
        };
        let _ = write!(
            out,
            r##"<g class="{class}" data-testid="note-{name}-{id}"><path d="M {} {} l 0 -6 L {} {} l 0 6"/><text class="label" x="{}" y="{}" text-anchor="{anchor}">{}</text></g>"##,
            Px(n.x.0 + 2.0),
            Px(n.text_y - 10.0),
            Px(n.x.1 - 2.0),
            Px(n.text_y - 16.0),
            Px(tx),
            Px(n.text_y + 4.0),
            esc(&n.text)
        );
    }
    for m in &ll.markers {
        let word = m.layer.word();
        let x = m.x;
        let member = match &m.layer {
            Layer::Position { member, .. } => format!(r##" data-member="{}""##, esc(member)),
            _ => String::new(),
        };
        let _ = write!(
            out,
            r##"<g class="marker {word}" data-testid="marker-{word}-{id}" data-offset="{}"{member}>"##,
            m.offset
        );
        match &m.layer {
            Layer::Committed => {
                // A flag on a pole standing on the log.
                let top = m.text_y - 12.0;
                let _ = write!(
                    out,
                    r##"<line class="pole" x1="{}" y1="{}" x2="{}" y2="{}"/><path class="flag" d="M {} {} l -13 5 l 13 5 z"/>"##,
                    Px(x),
                    Px(top),
                    Px(x),
                    Px(y + h + 4.0),
                    Px(x),
                    Px(top)
                );
            }
            Layer::LastStable | Layer::HighWatermark => {
                // The two upper bounds of reading: a cap from the label down past the cells.
                let top = m.text_y - 12.0;
                let class = if m.layer == Layer::LastStable {
                    "lso"
                } else {
                    "hw"
                };
                let _ = write!(
                    out,
                    r##"<line class="cap {class}" x1="{}" y1="{}" x2="{}" y2="{}"/>"##,
                    Px(x),
                    Px(top),
                    Px(x),
                    Px(y + h + 4.0)
                );
            }
            Layer::LogStart => {
                let bottom = m.text_y - 10.0;
                let _ = write!(
                    out,
                    r##"<line class="cap start" x1="{}" y1="{}" x2="{}" y2="{}"/>"##,
                    Px(x),
                    Px(y - 4.0),
                    Px(x),
                    Px(bottom)
                );
            }
            Layer::Position { colour, ghost, .. } => {
                let c = member_colour(*colour);
                let _ = write!(
                    out,
                    r##"<line class="cursor-stem" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{c}"/>"##,
                    Px(x),
                    Px(y + h),
                    Px(x),
                    Px(m.text_y - 5.0)
                );
                if *ghost {
                    // A live owner's triangle is a node of its own (`cursor_nodes`), so
                    // that it can move; a ghost stays where its member died.
                    let _ = write!(
                        out,
                        r##"<path class="cursor ghost" d="M {} {} l -7 11 l 14 0 z" stroke="{c}" fill="#fff"/>"##,
                        Px(x),
                        Px(y + h + 1.0),
                    );
                }
            }
        }
        let (lx, anchor) = if m.text_end {
            // Clear of the flag's pennant, which points left.
            (
                x - if m.layer == Layer::Committed {
                    17.0
                } else {
                    8.0
                },
                "end",
            )
        } else {
            (x + if m.above { 6.0 } else { 8.0 }, "start")
        };
        let _ = write!(
            out,
            r##"<text class="label {word}" x="{}" y="{}" text-anchor="{anchor}">{}</text>"##,
            Px(lx),
            Px(m.text_y),
            esc(&m.text)
        );
        out.push_str("</g>");
    }
    out.push_str("</g>");
}

/// A compact band (too many logs to number on one screen): every log a strip, all strips drawn as a handful of
/// paths (one per kind of mark, one per member colour), so that 64 partitions cost the
/// browser a dozen elements to redraw, not hundreds. (The design's "mini strips": no
/// numbers, markers only.)
fn crowded_logs(band: &Band, bl: &BandLayout, lang: Lang) -> Html {
    let mut labels = String::new();
    let (mut strips, mut committed, mut hatch, mut flags, mut caps) = (
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
    );
    let mut cursors: Vec<String> = vec![String::new(); MEMBER_COLOURS.len()];
    // Transactions, as far as a strip can say: aborted stretches struck through, markers as
    // dark ticks, the LSO as a dashed cap.
    let (mut aborted, mut markers, mut lsos) = (String::new(), String::new(), String::new());
    for (i, (log, ll)) in band.logs.iter().zip(&bl.logs).enumerate() {
        let (y, h) = (ll.cells_y, ll.cell_h);
        for t in &log.txns {
            if let TxnEnd::Aborted(_) = t.end {
                for (a, b) in &t.batches {
                    let (xa, xb) = (x_at(ll, *a), x_at(ll, b + 1));
                    let _ = write!(
                        aborted,
                        "M {} {} H {} ",
                        Px(xa),
                        Px(y + h / 2.0),
                        Px(xb.max(xa + 2.0))
                    );
                }
            }
            if let TxnEnd::Committed(m) | TxnEnd::Aborted(m) = t.end {
                let xm = x_at(ll, m);
                let _ = write!(markers, "M {} {} v {} ", Px(xm + 1.0), Px(y), Px(h));
            }
        }
        if !log.txns.is_empty() || log.last_stable < log.high_watermark {
            let xl = x_at(ll, log.last_stable);
            let _ = write!(
                lsos,
                "M {} {} L {} {} ",
                Px(xl),
                Px(y - 6.0),
                Px(xl),
                Px(y + h + 6.0)
            );
        }
        if i == 0 || band.logs[i - 1].topic != log.topic {
            let _ = write!(
                labels,
                r##"<text class="heading" x="{}" y="{}">{} {}</text>"##,
                Px((ll.label.0 - 40.0).max(bl.area.x + 4.0)),
                Px(y - 16.0),
                word(Word::Topic, lang),
                esc(&log.topic)
            );
        }
        let _ = write!(
            labels,
            r##"<text class="plabel" x="{}" y="{}" text-anchor="end">p{}{}</text>"##,
            Px(ll.label.0),
            Px(ll.label.1),
            log.partition,
            leader_label(log, lang)
        );
        let (Some(first), Some(last)) = (ll.slots.first(), ll.slots.last()) else {
            continue;
        };
        let (x0, x1) = (first.1, last.1 + last.2);
        let _ = write!(
            strips,
            "M {} {} h {} v {} h {} z ",
            Px(x0),
            Px(y),
            Px(x1 - x0),
            Px(h),
            Px(x0 - x1)
        );
        if let Some(c) = log.committed {
            let xc = x_at(ll, c);
            let _ = write!(
                committed,
                "M {} {} h {} v {} h {} z ",
                Px(x0),
                Px(y),
                Px(xc - x0),
                Px(h),
                Px(x0 - xc)
            );
            let _ = write!(
                flags,
                "M {} {} L {} {} l -9 -4 z ",
                Px(xc),
                Px(y + h),
                Px(xc),
                Px(y - 6.0)
            );
        }
        if let Some((a, b)) = log.uncommitted {
            let (xa, xb) = (x_at(ll, a), x_at(ll, b));
            let _ = write!(
                hatch,
                "M {} {} h {} v 5 h {} z ",
                Px(xa),
                Px(y + h - 5.0),
                Px(xb - xa),
                Px(xa - xb)
            );
        }
        let xh = x_at(ll, log.high_watermark);
        let _ = write!(
            caps,
            "M {} {} L {} {} ",
            Px(xh),
            Px(y - 3.0),
            Px(xh),
            Px(y + h + 3.0)
        );
        for c in &log.cursors {
            let x = x_at(ll, c.offset);
            let _ = write!(
                cursors[c.colour % MEMBER_COLOURS.len()],
                "M {} {} l -6 9 l 12 0 z ",
                Px(x),
                Px(y + h + 1.0)
            );
        }
    }
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<path class="cell" d="{strips}"/><path class="cell committed" d="{committed}"/><path d="{hatch}" fill="url(#hatch)"/><path class="cap hw" d="{caps}"/><path class="flag" d="{flags}"/>"##
    );
    if !lsos.is_empty() {
        let _ = write!(
            svg,
            r##"<path class="strike" d="{aborted}"/><path class="txn-tick" d="{markers}"/><path class="cap lso" d="{lsos}"/>"##
        );
    }
    for (i, d) in cursors.iter().enumerate().filter(|(_, d)| !d.is_empty()) {
        let c = member_colour(i);
        let _ = write!(
            svg,
            r##"<path class="cursor" d="{d}" fill="{c}" stroke="{c}"/>"##
        );
    }
    html! { <g key="crowded" class="crowded">{ raw(labels) }{ raw(svg) }</g> }
}

/// The newest batches travelling from their producer to their cells (a CSS animation from
/// the producer's offset to here; none with prefers-reduced-motion). Elements of their own,
/// keyed by batch, so that a redraw of the log does not restart them.
fn flights(log: &Log, ll: &LogLayout, sources: &[(usize, (f64, f64))]) -> Html {
    let id = format!("{}-{}", log.topic, log.partition);
    // The three newest: a producer sending record by record would fill the stage with chips.
    let chips = log.fresh.iter().take(3).map(|(a, b, p)| {
        let x = x_at(ll, *a);
        let (y, h) = (ll.cells_y, ll.cell_h);
        let (dx, dy) = sources
            .iter()
            .find(|(c, _)| c == p)
            .map_or((0.0, -26.0), |(_, (px, py))| (px - x, py - y - h / 2.0));
        let chip = format!(r##"<rect x="{}" y="{}" width="{}" height="{}" rx="4" fill="none" stroke="{}" stroke-width="3"/>"##, Px(x), Px(y - 2.0), Px((x_at(ll, *b) - x).max(8.0)), Px(h + 4.0),
            producer_colour(*p)
        );
        html! {
            <g key={format!("flight-{id}-{a}")} class="landing" data-testid={format!("batch-{id}-{a}")}
                style={format!("--dx: {}px; --dy: {}px;", Px(dx), Px(dy))}>{ raw(chip) }</g>
        }
    });
    html! { <>{ for chips }</> }
}

/// Each live owner's cursor, keyed by member: it glides when its position moves, so a
/// rebalance that sends a consumer back to the committed flag is seen as a jump back, and
/// a new owner's cursor lands on the flag it starts from (S1's B at 95).
fn cursor_nodes(ll: &LogLayout) -> Vec<Html> {
    ll.markers
        .iter()
        .filter_map(|m| match &m.layer {
            Layer::Position {
                member,
                colour,
                ghost: false,
            } => {
                let c = member_colour(*colour);
                Some(html! {
                    <g key={format!("cursor-{member}")} class="cursor-node"
                        style={format!("transform: translate({}px, {}px)", Px(m.x), Px(ll.cells_y + ll.cell_h + 1.0))}>
                        <path class="cursor" d="M 0 0 l -7 11 l 14 0 z" stroke={c} fill={c} />
                    </g>
                })
            }
            _ => None,
        })
        .collect()
}

fn edges_svg(out: &mut String, b: &Band, l: &BandLayout, now: i64, lang: Lang) {
    let (Some(g), Some(_)) = (&b.group, &l.group) else {
        return;
    };
    if let (Some(t), Some((x, y, room))) = (&g.tally, l.tally) {
        // What the latest rebalance stopped: the count S7 and S11 compare; or, phase by
        // phase, what S14's join and crash cost each group.
        let lines: Vec<(String, String)> = if t.phases.is_empty() {
            let mut line = text::tally(t, g.reads, false, lang);
            if crate::stage::layout::text_width(&line) + 18.0 > room {
                line = text::tally(t, g.reads, true, lang);
            }
            vec![(String::new(), line)]
        } else {
            t.phases
                .iter()
                .map(|p| {
                    let mut line = text::phase_tally(p, g.reads, false, lang);
                    if crate::stage::layout::text_width(&line) + 18.0 > room {
                        line = text::phase_tally(p, g.reads, true, lang);
                    }
                    let data = format!(
                        r#" data-phase="{}" data-members-stopped="{}" data-paused-ms="{}""#,
                        esc(&p.phase),
                        p.stopped_members.len(),
                        p.paused_ms
                    );
                    (data, line)
                })
                .collect()
        };
        for (k, (data, line)) in lines.iter().enumerate() {
            let y = y + k as f64 * crate::stage::layout::TALLY_LINE;
            let stopped = t.phases.get(k).map_or(t.stopped, |p| p.stopped_partitions);
            let testid = if t.phases.is_empty() {
                format!("tally-{}", g.id)
            } else {
                format!("tally-{}-{}", g.id, t.phases[k].phase)
            };
            let _ = write!(
                out,
                r##"<g class="stopped"><path class="pause" d="M {} {} v 12 M {} {} v 12"/></g><text class="tally" data-testid="{}" data-stopped="{}"{} x="{}" y="{}">{}</text>"##,
                Px(x + 2.0),
                Px(y - 12.0),
                Px(x + 8.0),
                Px(y - 12.0),
                esc(&testid),
                stopped,
                data,
                Px(x + 18.0),
                Px(y),
                esc(line)
            );
        }
    }
    if let (Some(d), Some((x, y, room))) = (&g.delivery, l.delivery) {
        // Read twice, lost, aborted: S4/S5's two semantics and S12's exactly-once, counted.
        let mut line = text::delivery(d, false, lang);
        if crate::stage::layout::text_width(&line) > room {
            line = text::delivery(d, true, lang);
        }
        let _ = write!(
            out,
            r##"<text class="tally delivery" data-testid="delivery-{}" data-twice="{}" data-lost="{}" data-aborted="{}" x="{}" y="{}">{}</text>"##,
            esc(&g.id),
            d.twice,
            d.lost,
            d.aborted.map_or(0, |a| a.0),
            Px(x),
            Px(y),
            esc(&line)
        );
    }
    if let (Some(tx), Some(r)) = (&g.txn, l.txn) {
        txn_box(out, tx, r, lang);
    }
    for (log, ll) in b.logs.iter().zip(&l.logs) {
        if let Some(since) = log.stopped {
            // No line: a rebalance took the partition away and nobody has it yet.
            let (fx, fy) = ll.edge_from;
            let _ = write!(
                out,
                r##"<g class="stopped" data-testid="stopped-{}-{}" data-since="{since}"><path class="pause" d="M {} {} v 12 M {} {} v 12"/>"##,
                esc(&log.topic),
                log.partition,
                Px(fx + 8.0),
                Px(fy - 6.0),
                Px(fx + 14.0),
                Px(fy - 6.0),
            );
            if b.logs.len() <= 16 {
                let _ = write!(
                    out,
                    r##"<text class="small" x="{}" y="{}">{}</text>"##,
                    Px(fx + 22.0),
                    Px(fy + 5.0),
                    esc(&text::stopped_for(now - since, lang))
                );
            }
            out.push_str("</g>");
        }
    }
}

/// The edges from partitions to their owners, as elements that live on: an edge keeps its
/// element while its owner keeps the partition, so when a member box moves its line bends
/// over (a CSS transition on `d`), and a new owner's line grows from the partition (a CSS
/// animation that plays once, when the element is created).
/// The curve from a log's end to a member box: the line of an owner, of a retracting owner,
/// and the track of a travelling fetch.
fn edge_path((fx, fy): (f64, f64), (tx, ty): (f64, f64)) -> String {
    format!(
        "M {} {} C {} {}, {} {}, {} {}",
        Px(fx),
        Px(fy),
        Px(fx + 40.0),
        Px(fy),
        Px(tx - 40.0),
        Px(ty),
        Px(tx),
        Px(ty)
    )
}

fn edge_nodes(b: &Band, l: &BandLayout) -> Vec<Html> {
    let (Some(g), Some(gl)) = (&b.group, &l.group) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (log, ll) in b.logs.iter().zip(&l.logs) {
        if let (None, Some(from)) = (&log.edge, &log.retracting) {
            // The rebalance's second step: the owner gave the partition up; its line
            // shrinks back into the log (once: the node is keyed).
            if let Some(i) = g.members.iter().position(|m| m.name == *from) {
                let (tx, ty) = gl.members[i].left_mid();
                let (fx, fy) = ll.edge_from;
                let d = edge_path((fx, fy), (tx, ty));
                out.push(html! {
                    <path key={format!("retract-{}-{}-{from}", log.topic, log.partition)}
                        class="edge retract" {d} stroke={member_colour(g.members[i].colour)} pathLength="1" />
                });
            }
            continue;
        }
        let Some(edge) = &log.edge else { continue };
        let Some(i) = g.members.iter().position(|m| m.name == edge.member) else {
            continue;
        };
        let (tx, ty) = gl.members[i].left_mid();
        let (fx, fy) = ll.edge_from;
        let (kind, stroke) = match edge.kind {
            EdgeKind::Owned => ("owned", member_colour(edge.colour)),
            EdgeKind::Paused => ("paused", member_colour(edge.colour)),
            EdgeKind::Stale => ("stale", "#888"),
        };
        let d = edge_path((fx, fy), (tx, ty));
        out.push(html! {
            <path key={format!("{}-{}-{}", log.topic, log.partition, edge.member)}
                class={classes!("edge", kind)} data-testid={format!("edge-{}-{}", log.topic, log.partition)}
                data-member={edge.member.clone()} data-kind={kind} {d} {stroke}
                pathLength={(edge.kind == EdgeKind::Owned).then_some("1")} />
        });
    }
    out
}

/// Fetches travelling: while a live owner's fetches return records, a dot runs along its
/// line from the log to the member, a new one every 0.7 s of real time (keyed by that
/// tick, so each runs once). A consumer with nothing new to read, paused or rebalancing
/// gets none. Not drawn on compact strips (a crowded stage).
fn fetch_nodes(b: &Band, l: &BandLayout) -> Vec<Html> {
    let (Some(g), Some(gl)) = (&b.group, &l.group) else {
        return Vec::new();
    };
    if l.compact {
        return Vec::new();
    }
    let tick = web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0, |p| (p.now() / 700.0) as i64);
    let mut out = Vec::new();
    for (log, ll) in b.logs.iter().zip(&l.logs) {
        let Some(edge) = log.edge.as_ref().filter(|e| e.kind == EdgeKind::Owned) else {
            continue;
        };
        let Some(i) = g.members.iter().position(|m| m.name == edge.member) else {
            continue;
        };
        if !log.fetching || g.members[i].state != MemberKind::Active {
            continue;
        }
        let (tx, ty) = gl.members[i].left_mid();
        let (fx, fy) = ll.edge_from;
        let d = edge_path((fx, fy), (tx, ty));
        out.push(html! {
            <circle key={format!("fetch-{}-{}-{tick}", log.topic, log.partition)} class="fetch" r="7"
                fill={member_colour(edge.colour)} style={format!("offset-path: path('{d}')")} />
        });
    }
    out
}

/// The transaction coordinator's entry for one `transactional.id`: lit while a
/// transaction is open, orange while its markers are being written (or a zombie fenced).
fn txn_box(out: &mut String, tx: &TxnView, r: Rect, lang: Lang) {
    let class = match tx.state {
        "Ongoing" => " lit",
        "PrepareCommit" | "PrepareAbort" | "PrepareEpochFence" => " busy",
        _ => "",
    };
    let mut status = format!("{} · {} · epoch {}", tx.id, tx.state, tx.epoch);
    if let Some((ms, timeout)) = tx.open {
        let more = text::txn_open(ms, timeout, lang);
        // The 14 px line is narrower than the 15 px estimate.
        if text_width_of(&status) + text_width_of(&more) < r.w - 16.0 {
            status.push_str(&more);
        }
    }
    let _ = write!(
        out,
        r##"<g class="coordinator txn-coordinator{class}" data-testid="txn-{}" data-state="{}" data-epoch="{}" data-partitions="{}"><rect x="{}" y="{}" width="{}" height="{}" rx="6"/><text class="name" x="{}" y="{}">{}</text><text class="small" x="{}" y="{}">{}</text></g>"##,
        esc(&tx.id),
        tx.state,
        tx.epoch,
        tx.partitions,
        Px(r.x),
        Px(r.y),
        Px(r.w),
        Px(r.h),
        Px(r.x + 8.0),
        Px(r.y + 21.0),
        word(Word::TxnCoordinator, lang),
        Px(r.x + 8.0),
        Px(r.y + 42.0),
        esc(&status)
    );
}

fn text_width_of(s: &str) -> f64 {
    crate::stage::layout::text_width(s) * 0.93
}

fn group_box(out: &mut String, g: &GroupBox, gl: &GroupLayout, lang: Lang) {
    let (a, c) = (gl.area, gl.coordinator);
    let busy = matches!(g.state, Some("PreparingRebalance" | "CompletingRebalance"));
    let state = g.state.unwrap_or("Empty");
    let status = match (g.step, &g.kip848) {
        // A consumer-protocol group has no generation: its group epoch counts changes.
        (_, Some(k)) => format!(
            "{state} · {} {}",
            word(Word::GroupEpoch, lang),
            k.group_epoch
        ),
        (Some(s), _) if busy => t(lang, s.key()).to_string(),
        _ => format!(
            "{state} · {} {}",
            word(Word::Generation, lang),
            g.generation
        ),
    };
    // A step's words too long for the box (S14's narrower band): Kafka's state name.
    let status = if crate::stage::layout::text_width(&status) * 0.8 + 16.0 > c.w {
        format!(
            "{state} · {} {}",
            word(Word::Generation, lang),
            g.generation
        )
    } else {
        status
    };
    let id = esc(&g.id);
    // The word "GROUP" gives way to a long group id in a narrow box (S11's four).
    let heading = format!("{} {}", word(Word::Group, lang), g.id);
    let group_word = if crate::stage::layout::text_width(&heading) + 20.0 > a.w {
        ""
    } else {
        word(Word::Group, lang)
    };
    let _ = write!(
        out,
        r##"<g class="group" data-testid="stage-group-{id}"><rect class="group-box" x="{}" y="{}" width="{}" height="{}" rx="10"/><text class="heading" x="{}" y="{}">{} {id}</text><g class="coordinator{}" data-testid="coordinator-{id}" data-state="{state}"><rect x="{}" y="{}" width="{}" height="{}" rx="6"/><text class="name" x="{}" y="{}">{}</text><text class="small" x="{}" y="{}">{}</text></g>"##,
        Px(a.x),
        Px(a.y),
        Px(a.w),
        Px(a.h),
        Px(a.x + 10.0),
        Px(a.y + 18.0),
        group_word,
        if busy { " busy" } else { "" },
        Px(c.x),
        Px(c.y),
        Px(c.w),
        Px(c.h),
        Px(c.x + 8.0),
        Px(c.y + 20.0),
        word(Word::Coordinator, lang),
        Px(c.x + 8.0),
        Px(c.y + 41.0),
        esc(&status)
    );
    if let Some(by) = gl.bench_y {
        let _ = write!(
            out,
            r##"<line class="bench" x1="{}" y1="{}" x2="{}" y2="{}"/><text class="small" x="{}" y="{}">{}</text>"##,
            Px(a.x + 8.0),
            Px(by),
            Px(a.x + a.w - 8.0),
            Px(by),
            Px(a.x + 10.0),
            Px(by + 17.0),
            word(Word::Bench, lang)
        );
    }
    out.push_str("</g>");
}

/// Under a consumer-protocol member: one chip per partition (filled: owned, outlined:
/// target not yet owned, struck: to revoke), and, just after a heartbeat answer carried a
/// new assignment, a tag on the card saying so with its epoch.
fn kip848_member(out: &mut String, k: &Kip848Member, colour: usize, r: &Rect, lang: Lang) {
    let colour = member_colour(colour);
    let (w, h, gap) = (22.0, 15.0, 4.0);
    let fit = ((r.w - 16.0) / (w + gap)).max(1.0) as usize;
    let name = esc(&k.name);
    let _ = write!(out, r##"<g data-testid="chips-{name}">"##);
    for (i, c) in k.chips.iter().take(fit).enumerate() {
        let (x, y) = (r.x + 10.0 + i as f64 * (w + gap), r.y + 41.0);
        let class = c.kind.class();
        let fill = if c.kind == ChipKind::Target {
            "#fff"
        } else {
            colour
        };
        let _ = write!(
            out,
            r##"<g class="chip {class}" data-p="{}"><rect x="{}" y="{}" width="{w}" height="{h}" rx="3" fill="{fill}" stroke="{colour}"/><text x="{}" y="{}">{}</text>"##,
            c.partition,
            Px(x),
            Px(y),
            Px(x + w / 2.0),
            Px(y + 12.5),
            c.partition
        );
        if c.kind == ChipKind::Revoke {
            let _ = write!(
                out,
                r##"<line class="strike" x1="{}" y1="{}" x2="{}" y2="{}"/>"##,
                Px(x + 2.0),
                Px(y + h - 2.0),
                Px(x + w - 2.0),
                Px(y + 2.0)
            );
        }
        out.push_str("</g>");
    }
    out.push_str("</g>");
    if let Some(epoch) = k.carried {
        // The heartbeat answer that carried the assignment, arriving at the member.
        // On the name's line, at the right: the answer arriving, with the epoch it gave.
        let text = format!("← {} {epoch}", word(Word::MemberEpoch, lang));
        let tw = text_width_of(&text) + 12.0;
        let (x, y) = (r.x + r.w - tw - 8.0, r.y + 5.0);
        let _ = write!(
            out,
            r##"<g class="carry" data-testid="carry-{name}"><rect x="{}" y="{}" width="{}" height="20" rx="10" fill="{colour}"/><text x="{}" y="{}">{}</text></g>"##,
            Px(x),
            Px(y),
            Px(tw),
            Px(x + 6.0),
            Px(y + 15.0),
            esc(&text)
        );
    }
}

fn member_svg(out: &mut String, m: &StageMember, r: &Rect, epoch: Option<i32>, lang: Lang) {
    let colour = if m.state.gone() {
        "#888"
    } else {
        member_colour(m.colour)
    };
    let state = m.state.word();
    let name = esc(&m.name);
    let dead_session = m.session.filter(|_| m.state == MemberKind::Crashed);
    let line = match dead_session {
        Some((left, _)) => text::session_left(left, lang),
        None if m.leader => format!(
            "{} · {}",
            text::member_word(m.state, lang),
            word(Word::Leader, lang)
        ),
        None => text::member_word(m.state, lang).to_string(),
    };
    // A consumer-protocol member: its own epoch, which moves as it reconciles.
    let line = match epoch.filter(|e| *e >= 0) {
        Some(e) => format!("{line} · {} {e}", word(Word::MemberEpoch, lang)),
        None => line,
    };
    let _ = write!(
        out,
        r##"<g class="member-node {state}{}" data-testid="stage-member-{name}" data-state="{state}">"##,
        if m.pulse { " pulse" } else { "" }
    );
    card(out, r, colour, &name, &line);
    if m.pulse && !m.state.gone() {
        let _ = write!(
            out,
            r##"<circle class="beat" cx="{}" cy="{}" r="5" fill="{colour}"/>"##,
            Px(r.x + r.w - 14.0),
            Px(r.y + 14.0)
        );
    }
    if let Some((left, total)) = dead_session {
        // The session at the coordinator, emptying: when it is empty the coordinator
        // notices the death and rebalances.
        let frac = if total > 0 {
            (left as f64 / total as f64).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let circumference = 2.0 * std::f64::consts::PI * 14.0;
        let (cx, cy) = (r.x + r.w - 22.0, r.y + r.h / 2.0);
        let _ = write!(
            out,
            r##"<g class="ring" data-testid="session-ring-{name}" data-left="{left}"><circle cx="{}" cy="{}" r="14" class="ring-bg"/><circle cx="{}" cy="{}" r="14" class="ring-left" stroke-dasharray="{} {}" transform="rotate(-90 {} {})"/></g>"##,
            Px(cx),
            Px(cy),
            Px(cx),
            Px(cy),
            Px(frac * circumference),
            Px(circumference),
            Px(cx),
            Px(cy)
        );
    }
    out.push_str("</g>");
}

/// What every mark of the stage means, each mark drawn beside its words. Static markup
/// (one string per language) rather than `html!`: it never changes, and the wasm module
/// has a size budget.
#[function_component(Legend)]
pub fn legend(props: &LegendProps) -> Html {
    let zh = props.lang == Lang::Zh;
    // The legend is static, so it lives in index.html (`<template id="legend-en">` and
    // `legend-zh`) rather than in the wasm module: the page reads it from there.
    let items = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(if zh { "legend-zh" } else { "legend-en" }))
        .map(|t| Html::from_html_unchecked(AttrValue::from(t.inner_html())))
        .unwrap_or_default();
    html! {
        <details class="panel legend" data-testid="legend" open={props.open}>
            <summary>{ if zh { "图例" } else { "Legend" } }</summary>
            <ul>{ items }</ul>
        </details>
    }
}

/// The legend's properties.
#[derive(Properties, PartialEq)]
pub struct LegendProps {
    /// The page language.
    pub lang: Lang,
    /// Open at first.
    #[prop_or(true)]
    pub open: bool,
}
