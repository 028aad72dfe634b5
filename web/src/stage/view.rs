//! The stage as SVG, drawn from its layout. Pure rendering: every position comes from
//! `layout.rs`; this file only picks shapes, colours and patterns (each meaning has a shape
//! or pattern too, never colour alone).

use yew::prelude::*;

use crate::i18n::{t, Lang};
use crate::stage::layout::{layout, BandLayout, Layer, LogLayout, NoteKind, Rect, WIDTH};
use crate::stage::model::*;
use crate::stage::text::{self, word, Word};
use crate::stage::window::Slot;

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
    let view_box = format!("0 0 {WIDTH} {:.0}", laid.height);
    html! {
        <div class="stage-wrap">
            <svg class="stage" data-testid="stage" viewBox={view_box} role="img"
                aria-label={word(Word::Description, lang)} preserveAspectRatio="xMidYMin meet">
                { defs() }
                if !laid.producers.is_empty() {
                    <text class="heading" x="6" y="16">{ word(Word::Producers, lang) }</text>
                }
                { for stage.producers.iter().zip(&laid.producers).map(|(p, r)| producer(p, r, stage, &laid)) }
                { for stage.bands.iter().zip(&laid.bands).map(|(b, l)| band(b, l, stage.now, lang)) }
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
            <rect x={r.x.to_string()} y={r.y.to_string()} width={r.w.to_string()} height={r.h.to_string()} rx="8"
                fill="#fff" stroke={colour} stroke-width="3" />
            <text class="name" x={(r.x + 10.0).to_string()} y={(r.y + 19.0).to_string()}>{ &p.name }</text>
            <text class="small" x={(r.x + 10.0).to_string()} y={(r.y + 37.0).to_string()}>{ format!("{}/s", p.rate) }</text>
        </g>
    }
}

fn band(b: &Band, l: &BandLayout, now: i64, lang: Lang) -> Html {
    let group_id = b.group.as_ref().map(|g| g.id.clone()).unwrap_or_default();
    let mut last_topic: Option<&str> = None;
    let logs = b.logs.iter().zip(&l.logs).map(|(log, ll)| {
        let heading = if last_topic != Some(log.topic.as_str()) {
            last_topic = Some(&log.topic);
            html! {
                <text class="heading" x={(ll.label.0 - 40.0).max(l.area.x + 4.0).to_string()}
                    y={(ll.cells_y - if l.compact { 16.0 } else { ll_above(ll) }).to_string()}>
                    { format!("{} {}", word(Word::Topic, lang), log.topic) }
                </text>
            }
        } else {
            html! {}
        };
        html! { <>{ heading }{ log_view(log, ll, l.compact, &group_id) }</> }
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
                data-member={edge.member.clone()} data-kind={format!("{:?}", edge.kind).to_lowercase()}
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

fn log_view(log: &Log, ll: &LogLayout, compact: bool, group: &str) -> Html {
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
                        x={(x + 1.0).to_string()} y={y.to_string()} width={(w - 2.0).to_string()} height={h.to_string()} rx="3"
                        stroke={fresh.map(|p| producer_colour(p).to_string())} />
                    if dup {
                        // Read twice: a double outline.
                        <rect class="dup" x={(x + 3.5).to_string()} y={(y + 2.5).to_string()} width={(w - 7.0).to_string()} height={(h - 5.0).to_string()} rx="2" />
                    }
                    if class == "cell lost" {
                        <path class="cross" d={format!("M {:.1} {:.1} L {:.1} {:.1} M {:.1} {:.1} L {:.1} {:.1}", x + 4.0, y + 4.0, x + w - 4.0, y + h - 4.0, x + w - 4.0, y + 4.0, x + 4.0, y + h - 4.0)} />
                    }
                    if numbered {
                        <text class="num" x={(x + w / 2.0).to_string()} y={(y + h / 2.0 + 5.0).to_string()} text-anchor="middle">{ o }</text>
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
                    <text class="small" x={x0.to_string()} y={(y - 4.0).to_string()} text-anchor="middle">{ "…" }</text>
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
            x={(x0 + 1.0).to_string()} y={(y + h - 8.0).to_string()} width={(x1 - x0 - 2.0).max(0.0).to_string()} height="8" fill="url(#hatch)" /> }
    });
    let markers = ll.markers.iter().map(|m| {
        let testid = format!("marker-{}-{id}", m.layer.word());
        let x = m.x;
        let (label_x, anchor) = if m.text_end {
            (x - 8.0, "end")
        } else {
            (x + if m.above { 6.0 } else { 8.0 }, "start")
        };
        let shape = match &m.layer {
            Layer::Committed => html! {
                // A flag on a pole standing on the log.
                <>
                    <line class="pole" x1={x.to_string()} y1={(m.text_y - 12.0).to_string()} x2={x.to_string()} y2={(y + h + 4.0).to_string()} />
                    <path class="flag" d={format!("M {x:.1} {:.1} l -13 5 l 13 5 z", m.text_y - 12.0)} />
                </>
            },
            Layer::HighWatermark => html! {
                <line class="cap hw" x1={x.to_string()} y1={(m.text_y - 12.0).to_string()} x2={x.to_string()} y2={(y + h + 4.0).to_string()} />
            },
            Layer::LogStart => html! {
                <line class="cap start" x1={x.to_string()} y1={(y - 4.0).to_string()} x2={x.to_string()} y2={(m.text_y - 10.0).to_string()} />
            },
            Layer::Position { colour, ghost, .. } => {
                let c = member_colour(*colour);
                html! {
                    <>
                        <line class="cursor-stem" x1={x.to_string()} y1={(y + h).to_string()} x2={x.to_string()} y2={(m.text_y - 5.0).to_string()} stroke={c} />
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
                    <text class={classes!("label", m.layer.word())} x={label_x.to_string()} y={m.text_y.to_string()} text-anchor={anchor}>{ &m.text }</text>
                }
            </g>
        }
    });
    let notes = ll.notes.iter().map(|n| {
        let class = match n.kind {
            NoteKind::Uncommitted => "note uncommitted",
            NoteKind::Duplicates => "note dup",
            NoteKind::Lost => "note lost",
        };
        html! {
            <g class={class} data-testid={format!("note-{}-{id}", match n.kind { NoteKind::Uncommitted => "uncommitted", NoteKind::Duplicates => "duplicates", NoteKind::Lost => "lost" })}>
                <path d={format!("M {:.1} {:.1} l 0 -6 L {:.1} {:.1} l 0 6", n.x.0 + 2.0, n.text_y - 10.0, n.x.1 - 2.0, n.text_y - 16.0)} />
                <text class="label" x={(n.x.0 + 2.0).to_string()} y={(n.text_y + 4.0).to_string()}>{ &n.text }</text>
            </g>
        }
    });
    let flights = log.fresh.iter().filter(|_| !compact).map(|(a, b, p)| {
        // A batch lands: a chip drops onto its first cell (CSS animation, none with
        // prefers-reduced-motion).
        let x = x_at(*a);
        html! {
            <g key={format!("flight-{id}-{a}")} class="landing">
                <rect x={x.to_string()} y={(y - 2.0).to_string()} width={(x_at(*b) - x).max(8.0).to_string()} height={(h + 4.0).to_string()} rx="4"
                    fill="none" stroke={producer_colour(*p)} stroke-width="3" />
            </g>
        }
    });
    html! {
        <g class="log" data-testid={format!("stage-log-{id}")} data-group={group.to_string()}>
            <text class="plabel" x={ll.label.0.to_string()} y={ll.label.1.to_string()} text-anchor="end">{ format!("p{}", log.partition) }</text>
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
            <rect class="group-box" x={a.x.to_string()} y={a.y.to_string()} width={a.w.to_string()} height={a.h.to_string()} rx="10" />
            <text class="heading" x={(a.x + 10.0).to_string()} y={(a.y + 18.0).to_string()}>{ format!("{} {}", word(Word::Group, lang), g.id) }</text>
            <g class={classes!("coordinator", busy.then_some("busy"))} data-testid={format!("coordinator-{}", g.id)} data-state={g.state.unwrap_or("Empty")}>
                <rect x={c.x.to_string()} y={c.y.to_string()} width={c.w.to_string()} height={c.h.to_string()} rx="6" />
                <text class="name" x={(c.x + 8.0).to_string()} y={(c.y + 20.0).to_string()}>{ word(Word::Coordinator, lang) }</text>
                <text class="small" x={(c.x + 8.0).to_string()} y={(c.y + 41.0).to_string()}>
                    { match step {
                        Some(s) if busy => s.to_string(),
                        _ => format!("{} · {} {}", g.state.unwrap_or("Empty"), word(Word::Generation, lang), g.generation),
                    } }
                </text>
            </g>
            if let Some(by) = gl.bench_y {
                <line class="bench" x1={(a.x + 8.0).to_string()} y1={by.to_string()} x2={(a.x + a.w - 8.0).to_string()} y2={by.to_string()} />
                <text class="small" x={(a.x + 10.0).to_string()} y={(by + 17.0).to_string()}>{ word(Word::Bench, lang) }</text>
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
                    <circle cx={cx.to_string()} cy={cy.to_string()} r={radius.to_string()} class="ring-bg" />
                    <circle cx={cx.to_string()} cy={cy.to_string()} r={radius.to_string()} class="ring-left"
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
            <rect x={r.x.to_string()} y={r.y.to_string()} width={r.w.to_string()} height={r.h.to_string()} rx="8"
                stroke={if m.state.gone() { "#888".to_string() } else { colour.to_string() }} />
            <text class="name" x={(r.x + 10.0).to_string()} y={(r.y + 19.0).to_string()}>{ &m.name }</text>
            <text class="small" x={(r.x + 10.0).to_string()} y={(r.y + 37.0).to_string()}>
                { session_text.unwrap_or(line) }
            </text>
            if m.pulse && !m.state.gone() {
                <circle class="beat" cx={(r.x + r.w - 14.0).to_string()} cy={(r.y + 14.0).to_string()} r="5" fill={colour} />
            }
            { for ring }
        </g>
    }
}
