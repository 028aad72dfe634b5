//! The stage as SVG, drawn from its layout. Pure rendering: every position comes from
//! `layout.rs`; this file only picks shapes, colours and patterns (each meaning has a shape
//! or pattern too, never colour alone).

use yew::prelude::*;

use crate::i18n::{t, Lang};
use crate::stage::layout::{layout, BandLayout, Layer, LogLayout, NoteKind, Rect};
use crate::stage::model::*;
use crate::stage::text::{self, word, Word};
use crate::stage::window::Slot;

/// An SVG coordinate. Always with one decimal: Rust's shortest float printing (`{}`) would
/// pull a second float formatter into the wasm module, and the page has a size budget.
fn px(v: f64) -> String {
    format!("{v:.1}")
}

/// The stage's properties.
#[derive(Properties, PartialEq)]
pub struct StageProps {
    /// What to draw.
    pub stage: Stage,
    /// The page language.
    pub lang: Lang,
}

/// The stage: producers, logs, groups, and the lines between them.
#[function_component(StageView)]
pub fn stage_view(props: &StageProps) -> Html {
    let lang = props.lang;
    let stage = &props.stage;
    let laid = layout(stage, lang);
    let view_box = format!("0 0 {:.0} {:.0}", laid.width, laid.height);
    // Where each producer's batches take off: the right end of its box, by colour.
    let sources: Vec<(usize, (f64, f64))> = stage
        .producers
        .iter()
        .zip(&laid.producers)
        .map(|(p, r)| (p.colour, r.right_mid()))
        .collect();
    html! {
        <div class="stage-wrap">
            <svg class="stage" data-testid="stage" viewBox={view_box} role="img"
                aria-label={word(Word::Description, lang)} preserveAspectRatio="xMidYMin meet">
                { defs() }
                if !laid.producers.is_empty() {
                    <text class="heading" x="6" y="16">{ word(Word::Producers, lang) }</text>
                }
                { for stage.producers.iter().zip(&laid.producers).map(|(p, r)| producer(p, r, stage, &laid, lang)) }
                { for stage.bands.iter().zip(&laid.bands).map(|(b, l)| band(b, l, &sources, stage.now, lang)) }
            </svg>
        </div>
    }
}

fn defs() -> Html {
    html! {
        <defs>
            // Processed, not committed: diagonal hatching, so it reads without colour.
            <pattern id="hatch" width="7" height="7" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
                <rect width="7" height="7" fill="#fff3b0" />
                <line x1="0" y1="0" x2="0" y2="7" stroke="#b08800" stroke-width="3" />
            </pattern>
            <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                <path d="M 0 0 L 10 5 L 0 10 z" fill="#555" />
            </marker>
        </defs>
    }
}

fn producer(
    p: &StageProducer,
    r: &Rect,
    stage: &Stage,
    laid: &crate::stage::layout::StageLayout,
    lang: Lang,
) -> Html {
    let colour = producer_colour(p.colour);
    // An arrow to each of its topic's logs in the first band that reads the topic.
    let targets: Vec<(f64, f64)> = stage
        .bands
        .iter()
        .zip(&laid.bands)
        .find_map(|(b, l)| {
            let t: Vec<(f64, f64)> = b
                .logs
                .iter()
                .zip(&l.logs)
                .filter(|(log, _)| log.topic == p.topic)
                .filter_map(|(_, ll)| {
                    ll.slots
                        .first()
                        .map(|(_, x, _)| (*x - 4.0, ll.cells_y + ll.cell_h / 2.0))
                })
                .collect();
            (!t.is_empty()).then_some(t)
        })
        .unwrap_or_default();
    let (fx, fy) = r.right_mid();
    html! {
        <g class="producer-node" data-testid={format!("stage-producer-{}", p.name)}>
            { for targets.iter().map(|(tx, ty)| html! {
                <path class="feed" d={format!("M {fx:.1} {fy:.1} C {:.1} {fy:.1}, {:.1} {ty:.1}, {tx:.1} {ty:.1}", fx + 30.0, tx - 30.0)}
                    marker-end="url(#arrow)" />
            }) }
            <rect x={px(r.x)} y={px(r.y)} width={px(r.w)} height={px(r.h)} rx="8"
                fill="#fff" stroke={colour} stroke-width="3" />
            <text class="name" x={px(r.x + 10.0)} y={px(r.y + 19.0)}>{ &p.name }</text>
            <text class="small" x={px(r.x + 10.0)} y={px(r.y + 37.0)}>{ text::sent(p.sent, p.rate, lang) }</text>
        </g>
    }
}

fn band(b: &Band, l: &BandLayout, sources: &[(usize, (f64, f64))], now: i64, lang: Lang) -> Html {
    let group_id = b.group.as_ref().map(|g| g.id.clone()).unwrap_or_default();
    let mut last_topic: Option<&str> = None;
    let logs = b.logs.iter().zip(&l.logs).map(|(log, ll)| {
        let heading = if last_topic != Some(log.topic.as_str()) {
            last_topic = Some(&log.topic);
            html! {
                <text class="heading" x={px((ll.label.0 - 40.0).max(l.area.x + 4.0))}
                    y={px(ll.cells_y - if l.compact { 16.0 } else { ll_above(ll) })}>
                    { format!("{} {}", word(Word::Topic, lang), log.topic) }
                </text>
            }
        } else {
            html! {}
        };
        html! { <>{ heading }{ log_view(log, ll, l.compact, &group_id, sources) }</> }
    });
    let edges = b.logs.iter().zip(&l.logs).filter_map(|(log, ll)| {
        let edge = log.edge.as_ref()?;
        let g = b.group.as_ref()?;
        let gl = l.group.as_ref()?;
        let i = g.members.iter().position(|m| m.name == edge.member)?;
        let (tx, ty) = gl.members[i].left_mid();
        let (fx, fy) = ll.edge_from;
        let class = match edge.kind {
            EdgeKind::Owned => "edge owned",
            EdgeKind::Paused => "edge paused",
            EdgeKind::Stale => "edge stale",
        };
        let stroke = if edge.kind == EdgeKind::Stale { "#888" } else { member_colour(edge.colour) };
        Some(html! {
            <path class={class} data-testid={format!("edge-{}-{}", log.topic, log.partition)}
                data-member={edge.member.clone()} data-kind={match edge.kind { EdgeKind::Owned => "owned", EdgeKind::Paused => "paused", EdgeKind::Stale => "stale" }}
                d={format!("M {fx:.1} {fy:.1} C {:.1} {fy:.1}, {:.1} {ty:.1}, {tx:.1} {ty:.1}", fx + 40.0, tx - 40.0)}
                stroke={stroke} />
        })
    });
    html! {
        <g class="band" data-group={group_id.clone()}>
            { for logs }
            { for edges }
            { for b.group.as_ref().zip(l.group.as_ref()).map(|(g, gl)| group_view(g, gl, now, lang)) }
        </g>
    }
}

/// How far above the cells a topic heading goes: over the label rows.
fn ll_above(ll: &LogLayout) -> f64 {
    let top = ll
        .markers
        .iter()
        .filter(|m| m.above)
        .map(|m| m.text_y)
        .fold(ll.cells_y, f64::min);
    ll.cells_y - top + 22.0
}

fn log_view(
    log: &Log,
    ll: &LogLayout,
    compact: bool,
    group: &str,
    sources: &[(usize, (f64, f64))],
) -> Html {
    let id = format!("{}-{}", log.topic, log.partition);
    let y = ll.cells_y;
    let h = ll.cell_h;
    let fresh_of = |o: i64| {
        log.fresh
            .iter()
            .find(|(a, b, _)| o >= *a && o < *b)
            .map(|(_, _, p)| *p)
    };
    let cells = ll.slots.iter().map(|(slot, x, w)| match slot {
        Slot::Cell(o) => {
            let o = *o;
            let class = if o >= log.high_watermark {
                "cell next"
            } else if log.lost.binary_search(&o).is_ok() {
                "cell lost"
            } else if log.committed.is_some_and(|c| o < c) {
                "cell committed"
            } else if log.cursors.iter().any(|c| !c.ghost && o < c.offset) {
                "cell read"
            } else {
                "cell"
            };
            let dup = log.duplicates.binary_search(&o).is_ok();
            let fresh = fresh_of(o);
            let digits = o.to_string().len();
            let numbered = !compact && (digits <= 3 || o % 5 == 0);
            html! {
                <g key={o.to_string()}>
                    <rect class={class} data-testid={format!("cell-{id}-{o}")} data-offset={o.to_string()}
                        x={px(x + 1.0)} y={px(y)} width={px(w - 2.0)} height={px(h)} rx="3"
                        stroke={fresh.map(|p| producer_colour(p).to_string())} />
                    if dup {
                        // Read twice: a double outline.
                        <rect class="dup" x={px(x + 3.5)} y={px(y + 2.5)} width={px(w - 7.0)} height={px(h - 5.0)} rx="2" />
                    }
                    if class == "cell lost" {
                        <path class="cross" d={format!("M {:.1} {:.1} L {:.1} {:.1} M {:.1} {:.1} L {:.1} {:.1}", x + 4.0, y + 4.0, x + w - 4.0, y + h - 4.0, x + w - 4.0, y + 4.0, x + 4.0, y + h - 4.0)} />
                    }
                    if numbered {
                        <text class="num" x={px(x + w / 2.0)} y={px(y + h / 2.0 + 5.0)} text-anchor="middle">{ o }</text>
                    }
                </g>
            }
        }
        Slot::Break(n) => {
            // A zig-zag: offsets hidden here.
            let x0 = *x + w / 2.0;
            html! {
                <g class="break">
                    <title>{ format!("{n} offsets not drawn") }</title>
                    <path d={format!("M {:.1} {:.1} l 5 {:.1} l -10 {:.1} l 10 {:.1} l -5 {:.1}", x0, y - 2.0, h * 0.25, h * 0.25, h * 0.25, h * 0.25 + 4.0)} />
                    <text class="small" x={px(x0)} y={px(y - 4.0)} text-anchor="middle">{ "…" }</text>
                </g>
            }
        }
    });
    let x_at = |o: i64| {
        ll.slots
            .iter()
            .find_map(|(s, x, _)| matches!(s, Slot::Cell(c) if *c >= o).then_some(*x))
            .or_else(|| ll.slots.last().map(|(_, x, w)| x + w))
            .unwrap_or(0.0)
    };
    let hatch = log.uncommitted.map(|(a, b)| {
        let (x0, x1) = (x_at(a), x_at(b));
        html! { <rect class="uncommitted" data-testid={format!("uncommitted-{id}")} data-from={a.to_string()} data-to={b.to_string()}
            x={px(x0 + 1.0)} y={px(y + h - 8.0)} width={px((x1 - x0 - 2.0).max(0.0))} height="8" fill="url(#hatch)" /> }
    });
    let markers = ll.markers.iter().map(|m| {
        let testid = format!("marker-{}-{id}", m.layer.word());
        let x = m.x;
        let (label_x, anchor) = if m.text_end {
            // Clear of the flag's pennant, which points left.
            (x - if m.layer == Layer::Committed { 17.0 } else { 8.0 }, "end")
        } else {
            (x + if m.above { 6.0 } else { 8.0 }, "start")
        };
        let shape = match &m.layer {
            Layer::Committed => html! {
                // A flag on a pole standing on the log.
                <>
                    <line class="pole" x1={px(x)} y1={px(m.text_y - 12.0)} x2={px(x)} y2={px(y + h + 4.0)} />
                    <path class="flag" d={format!("M {x:.1} {:.1} l -13 5 l 13 5 z", m.text_y - 12.0)} />
                </>
            },
            Layer::HighWatermark => html! {
                <line class="cap hw" x1={px(x)} y1={px(m.text_y - 12.0)} x2={px(x)} y2={px(y + h + 4.0)} />
            },
            Layer::LogStart => html! {
                <line class="cap start" x1={px(x)} y1={px(y - 4.0)} x2={px(x)} y2={px(m.text_y - 10.0)} />
            },
            Layer::Position { colour, ghost, .. } => {
                let c = member_colour(*colour);
                html! {
                    <>
                        <line class="cursor-stem" x1={px(x)} y1={px(y + h)} x2={px(x)} y2={px(m.text_y - 5.0)} stroke={c} />
                        <path class={classes!("cursor", ghost.then_some("ghost"))} d={format!("M {x:.1} {:.1} l -7 11 l 14 0 z", y + h + 1.0)}
                            stroke={c} fill={if *ghost { "#fff".to_string() } else { c.to_string() }} />
                    </>
                }
            }
        };
        let member = match &m.layer {
            Layer::Position { member, .. } => Some(member.clone()),
            _ => None,
        };
        html! {
            <g class={classes!("marker", m.layer.word())} data-testid={testid} data-offset={m.offset.to_string()} data-x={format!("{:.1}", x)} data-member={member}>
                { shape }
                if !compact {
                    <text class={classes!("label", m.layer.word())} x={px(label_x)} y={px(m.text_y)} text-anchor={anchor}>{ &m.text }</text>
                }
            </g>
        }
    });
    let notes = ll.notes.iter().map(|n| {
        let class = match n.kind {
            NoteKind::Uncommitted => "note uncommitted",
            NoteKind::Duplicates => "note dups",
            NoteKind::Lost => "note lost",
        };
        html! {
            <g class={class} data-testid={format!("note-{}-{id}", match n.kind { NoteKind::Uncommitted => "uncommitted", NoteKind::Duplicates => "duplicates", NoteKind::Lost => "lost" })}>
                <path d={format!("M {:.1} {:.1} l 0 -6 L {:.1} {:.1} l 0 6", n.x.0 + 2.0, n.text_y - 10.0, n.x.1 - 2.0, n.text_y - 16.0)} />
                <text class="label" x={px(if n.text_end { n.x.1 - 2.0 } else { n.x.0 + 2.0 })} y={px(n.text_y + 4.0)}
                    text-anchor={if n.text_end { "end" } else { "start" }}>{ &n.text }</text>
            </g>
        }
    });
    // The three newest batches: a producer sending record by record would fill the
    // stage with chips.
    let flights = log.fresh.iter().take(3).filter(|_| !compact).map(|(a, b, p)| {
        // A batch travels from its producer to its cells (a CSS animation from the
        // producer's offset to here; none with prefers-reduced-motion).
        let x = x_at(*a);
        let (dx, dy) = sources
            .iter()
            .find(|(c, _)| c == p)
            .map_or((0.0, -26.0), |(_, (px, py))| (px - x, py - y - h / 2.0));
        html! {
            <g key={format!("flight-{id}-{a}")} class="landing" data-testid={format!("batch-{id}-{a}")}
                style={format!("--dx: {dx:.0}px; --dy: {dy:.0}px;")}>
                <rect x={px(x)} y={px(y - 2.0)} width={px((x_at(*b) - x).max(8.0))} height={px(h + 4.0)} rx="4"
                    fill="none" stroke={producer_colour(*p)} stroke-width="3" />
            </g>
        }
    });
    html! {
        <g class="log" data-testid={format!("stage-log-{id}")} data-group={group.to_string()}>
            <text class="plabel" x={px(ll.label.0)} y={px(ll.label.1)} text-anchor="end">{ format!("p{}", log.partition) }</text>
            { for cells }
            { for hatch }
            { for flights }
            { for notes }
            { for markers }
        </g>
    }
}

fn group_view(g: &GroupBox, gl: &crate::stage::layout::GroupLayout, now: i64, lang: Lang) -> Html {
    let a = gl.area;
    let c = gl.coordinator;
    let busy = matches!(g.state, Some("PreparingRebalance" | "CompletingRebalance"));
    let step = g.step.map(|s| t(lang, s.key()));
    let members = g
        .members
        .iter()
        .zip(&gl.members)
        .map(|(m, r)| member_view(m, r, now, lang));
    html! {
        <g class="group" data-testid={format!("stage-group-{}", g.id)}>
            <rect class="group-box" x={px(a.x)} y={px(a.y)} width={px(a.w)} height={px(a.h)} rx="10" />
            <text class="heading" x={px(a.x + 10.0)} y={px(a.y + 18.0)}>{ format!("{} {}", word(Word::Group, lang), g.id) }</text>
            <g class={classes!("coordinator", busy.then_some("busy"))} data-testid={format!("coordinator-{}", g.id)} data-state={g.state.unwrap_or("Empty")}>
                <rect x={px(c.x)} y={px(c.y)} width={px(c.w)} height={px(c.h)} rx="6" />
                <text class="name" x={px(c.x + 8.0)} y={px(c.y + 20.0)}>{ word(Word::Coordinator, lang) }</text>
                <text class="small" x={px(c.x + 8.0)} y={px(c.y + 41.0)}>
                    { match step {
                        Some(s) if busy => s.to_string(),
                        _ => format!("{} · {} {}", g.state.unwrap_or("Empty"), word(Word::Generation, lang), g.generation),
                    } }
                </text>
            </g>
            if let Some(by) = gl.bench_y {
                <line class="bench" x1={px(a.x + 8.0)} y1={px(by)} x2={px(a.x + a.w - 8.0)} y2={px(by)} />
                <text class="small" x={px(a.x + 10.0)} y={px(by + 17.0)}>{ word(Word::Bench, lang) }</text>
            }
            { for members }
        </g>
    }
}

fn member_view(m: &StageMember, r: &Rect, _now: i64, lang: Lang) -> Html {
    let colour = member_colour(m.colour);
    let state = m.state.word();
    let mut line = text::member_word(m.state, lang).to_string();
    if m.leader {
        line = format!("{line} · {}", word(Word::Leader, lang));
    }
    let ring = m
        .session
        .filter(|_| m.state == MemberKind::Crashed)
        .map(|(left, total)| {
            // The session at the coordinator, emptying: when it is empty the coordinator
            // notices the death and rebalances.
            let frac = if total > 0 { (left as f64 / total as f64).clamp(0.0, 1.0) } else { 0.0 };
            let radius = 14.0;
            let circumference = 2.0 * std::f64::consts::PI * radius;
            let cx = r.x + r.w - 22.0;
            let cy = r.y + r.h / 2.0;
            html! {
                <g class="ring" data-testid={format!("session-ring-{}", m.name)} data-left={left.to_string()}>
                    <circle cx={px(cx)} cy={px(cy)} r={px(radius)} class="ring-bg" />
                    <circle cx={px(cx)} cy={px(cy)} r={px(radius)} class="ring-left"
                        stroke-dasharray={format!("{:.1} {:.1}", frac * circumference, circumference)}
                        transform={format!("rotate(-90 {cx} {cy})")} />
                </g>
            }
        });
    let session_text = m
        .session
        .filter(|_| m.state == MemberKind::Crashed)
        .map(|(left, _)| text::session_left(left, lang));
    html! {
        <g class={classes!("member-node", state, m.pulse.then_some("pulse"))} data-testid={format!("stage-member-{}", m.name)} data-state={state}>
            <rect x={px(r.x)} y={px(r.y)} width={px(r.w)} height={px(r.h)} rx="8"
                stroke={if m.state.gone() { "#888".to_string() } else { colour.to_string() }} />
            <text class="name" x={px(r.x + 10.0)} y={px(r.y + 19.0)}>{ &m.name }</text>
            <text class="small" x={px(r.x + 10.0)} y={px(r.y + 37.0)}>
                { session_text.unwrap_or(line) }
            </text>
            if m.pulse && !m.state.gone() {
                <circle class="beat" cx={px(r.x + r.w - 14.0)} cy={px(r.y + 14.0)} r="5" fill={colour} />
            }
            { for ring }
        </g>
    }
}

/// What every mark of the stage means, each mark drawn beside its words. Static markup
/// (one string per language) rather than `html!`: it never changes, and the wasm module
/// has a size budget.
#[function_component(Legend)]
pub fn legend(props: &LegendProps) -> Html {
    let zh = props.lang == Lang::Zh;
    let items =
        Html::from_html_unchecked(AttrValue::Static(if zh { LEGEND_ZH } else { LEGEND_EN }));
    html! {
        <details class="panel legend" data-testid="legend" open={props.open}>
            <summary>{ if zh { "图例" } else { "Legend" } }</summary>
            <ul>{ items }</ul>
        </details>
    }
}

const LEGEND_EN: &str = r##"<li><svg class="stage legend-icon" width="34" height="24" viewBox="0 0 34 24" aria-hidden="true"><line class="pole" x1="20" y1="2" x2="20" y2="22"/><path class="flag" d="M 20 2 l -13 5 l 13 5 z"/></svg><span>committed offset of the group: where a new owner starts reading</span></li><li><svg class="stage legend-icon" width="34" height="24" viewBox="0 0 34 24" aria-hidden="true"><path class="cursor" d="M 17 6 l -7 11 l 14 0 z" fill="#0072B2" stroke="#0072B2"/></svg><span>a consumer&#39;s position: the next offset it reads (in its colour)</span></li><li><svg class="stage legend-icon" width="34" height="24" viewBox="0 0 34 24" aria-hidden="true"><path class="cursor ghost" d="M 17 6 l -7 11 l 14 0 z" fill="#fff" stroke="#0072B2"/></svg><span>a dead consumer&#39;s last position: lost with its memory</span></li><li><svg class="stage legend-icon" width="34" height="24" viewBox="0 0 34 24" aria-hidden="true"><rect x="2" y="8" width="30" height="8" fill="url(#hatch)" stroke="#b08800"/></svg><span>processed, not committed: a crash now delivers these again</span></li><li><svg class="stage legend-icon" width="34" height="24" viewBox="0 0 34 24" aria-hidden="true"><rect class="cell" x="5" y="2" width="24" height="20"/><rect class="dup" x="8" y="5" width="18" height="14"/></svg><span>processed twice (duplicate)</span></li><li><svg class="stage legend-icon" width="34" height="24" viewBox="0 0 34 24" aria-hidden="true"><rect class="cell lost" x="5" y="2" width="24" height="20"/><path class="cross" d="M 9 6 L 25 18 M 25 6 L 9 18"/></svg><span>never processed (lost)</span></li><li><svg class="stage legend-icon" width="34" height="24" viewBox="0 0 34 24" aria-hidden="true"><line class="cap hw" x1="17" y1="1" x2="17" y2="23"/></svg><span>HW: high watermark, the next offset to be written</span></li><li><svg class="stage legend-icon" width="34" height="24" viewBox="0 0 34 24" aria-hidden="true"><path class="edge owned" d="M 2 12 L 32 12" stroke="#0072B2"/></svg><span>owns the partition and reads it</span></li><li><svg class="stage legend-icon" width="34" height="24" viewBox="0 0 34 24" aria-hidden="true"><path class="edge stale" d="M 2 12 L 32 12" stroke="#888"/></svg><span>the coordinator still thinks a dead member owns it: nobody reads</span></li><li><svg class="stage legend-icon" width="34" height="24" viewBox="0 0 34 24" aria-hidden="true"><path class="edge paused" d="M 2 12 L 32 12" stroke="#0072B2"/></svg><span>rebalancing: the owner paused</span></li><li><svg class="stage legend-icon" width="34" height="24" viewBox="0 0 34 24" aria-hidden="true"><circle class="ring-bg" cx="17" cy="12" r="8"/><circle class="ring-left" cx="17" cy="12" r="8" stroke-dasharray="20 50" transform="rotate(-90 17 12)"/></svg><span>a dead member&#39;s session running out at the coordinator</span></li><li><svg class="stage legend-icon" width="34" height="24" viewBox="0 0 34 24" aria-hidden="true"><rect x="4" y="3" width="26" height="18" rx="4" fill="#fff" stroke="#0072B2" stroke-width="3" stroke-dasharray="6 4"/></svg><span>standby member: in the group, heartbeating, nothing assigned</span></li>"##;
const LEGEND_ZH: &str = r##"<li><svg class="stage legend-icon" width="34" height="24" viewBox="0 0 34 24" aria-hidden="true"><line class="pole" x1="20" y1="2" x2="20" y2="22"/><path class="flag" d="M 20 2 l -13 5 l 13 5 z"/></svg><span>组的已提交 offset：新的所有者从这里开始读</span></li><li><svg class="stage legend-icon" width="34" height="24" viewBox="0 0 34 24" aria-hidden="true"><path class="cursor" d="M 17 6 l -7 11 l 14 0 z" fill="#0072B2" stroke="#0072B2"/></svg><span>消费者的位置：它下一个要读的 offset（用它的颜色）</span></li><li><svg class="stage legend-icon" width="34" height="24" viewBox="0 0 34 24" aria-hidden="true"><path class="cursor ghost" d="M 17 6 l -7 11 l 14 0 z" fill="#fff" stroke="#0072B2"/></svg><span>已崩溃消费者最后的位置：随内存一起丢失</span></li><li><svg class="stage legend-icon" width="34" height="24" viewBox="0 0 34 24" aria-hidden="true"><rect x="2" y="8" width="30" height="8" fill="url(#hatch)" stroke="#b08800"/></svg><span>已处理但未提交：此时崩溃会再次投递</span></li><li><svg class="stage legend-icon" width="34" height="24" viewBox="0 0 34 24" aria-hidden="true"><rect class="cell" x="5" y="2" width="24" height="20"/><rect class="dup" x="8" y="5" width="18" height="14"/></svg><span>被处理了两次（重复）</span></li><li><svg class="stage legend-icon" width="34" height="24" viewBox="0 0 34 24" aria-hidden="true"><rect class="cell lost" x="5" y="2" width="24" height="20"/><path class="cross" d="M 9 6 L 25 18 M 25 6 L 9 18"/></svg><span>从未被处理（丢失）</span></li><li><svg class="stage legend-icon" width="34" height="24" viewBox="0 0 34 24" aria-hidden="true"><line class="cap hw" x1="17" y1="1" x2="17" y2="23"/></svg><span>HW：高水位，下一条消息写入的 offset</span></li><li><svg class="stage legend-icon" width="34" height="24" viewBox="0 0 34 24" aria-hidden="true"><path class="edge owned" d="M 2 12 L 32 12" stroke="#0072B2"/></svg><span>拥有该分区并在读取</span></li><li><svg class="stage legend-icon" width="34" height="24" viewBox="0 0 34 24" aria-hidden="true"><path class="edge stale" d="M 2 12 L 32 12" stroke="#888"/></svg><span>协调者仍以为已崩溃的成员拥有它：没有人在读</span></li><li><svg class="stage legend-icon" width="34" height="24" viewBox="0 0 34 24" aria-hidden="true"><path class="edge paused" d="M 2 12 L 32 12" stroke="#0072B2"/></svg><span>再均衡中：所有者暂停</span></li><li><svg class="stage legend-icon" width="34" height="24" viewBox="0 0 34 24" aria-hidden="true"><circle class="ring-bg" cx="17" cy="12" r="8"/><circle class="ring-left" cx="17" cy="12" r="8" stroke-dasharray="20 50" transform="rotate(-90 17 12)"/></svg><span>已崩溃成员在协调者处的会话正在耗尽</span></li><li><svg class="stage legend-icon" width="34" height="24" viewBox="0 0 34 24" aria-hidden="true"><rect x="4" y="3" width="26" height="18" rx="4" fill="#fff" stroke="#0072B2" stroke-width="3" stroke-dasharray="6 4"/></svg><span>备用成员：在组内发送心跳，但没有分到分区</span></li>"##;

/// The legend's properties.
#[derive(Properties, PartialEq)]
pub struct LegendProps {
    /// The page language.
    pub lang: Lang,
    /// Open at first.
    #[prop_or(true)]
    pub open: bool,
}
