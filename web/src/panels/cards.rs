//! What both modes show in the panels around the stage: a partition's numbers, the lag
//! chart, the rebalance banner and the source switch, with the plain types they draw.

use minikafka::client::TopicPartition;
use minikafka::record::{Millis, Offset};
use yew::prelude::*;

use crate::i18n::{t, Key, Lang};
use crate::px::Px;
use crate::stage::steps::RebalanceStep;

/// Lag at one moment: (time, total, per partition in topic then partition order).
pub type LagSample = (Millis, i64, Vec<i64>);

/// One partition's strip.
#[derive(Debug, Clone, PartialEq)]
pub struct PartitionView {
    /// Topic.
    pub topic: String,
    /// Partition index.
    pub partition: i32,
    /// First readable offset.
    pub log_start: Offset,
    /// High watermark (= log end, one broker).
    pub high_watermark: Offset,
    /// The main group's committed offset, if any.
    pub committed: Option<Offset>,
    /// The owner's position and processed offset, with the owner's name.
    pub owner: Option<(String, Option<Offset>, Option<Offset>)>,
    /// Offsets of records processed twice (duplicates), within the strip.
    pub duplicates: Vec<Offset>,
    /// Offsets of records lost (moved past, never processed).
    pub lost: Vec<Offset>,
    /// Records appended in the last second: (first offset, end offset, producer index),
    /// drawn in the producer's colour as they arrive.
    pub fresh: Vec<(Offset, Offset, usize)>,
}

/// A producer card.
#[derive(Debug, Clone, PartialEq)]
pub struct ProducerView {
    /// Name.
    pub name: String,
    /// Its colour index (stable: order of creation).
    pub index: usize,
    /// Topic it writes to.
    pub topic: String,
    /// Records per second.
    pub rate: u32,
    /// Records sent so far.
    pub sent: u64,
}

/// Milliseconds as seconds with one decimal (`12.3s`).
pub fn secs(ms: i64) -> String {
    format!("{}.{}s", ms / 1000, (ms % 1000) / 100)
}

/// A partition's numbers (the stage draws its log): the three layers of offsets, its lag,
/// and, once selected, the seek controls.
pub fn partition(
    p: &PartitionView,
    lang: Lang,
    selected: bool,
    on_select: Callback<(String, i32)>,
    on_seek: Callback<(String, i32, i64)>,
) -> Html {
    let on_seek_typed = on_seek.clone();
    let id = format!("partition-{}-{}", p.topic, p.partition);
    let select = {
        let topic = p.topic.clone();
        let partition = p.partition;
        Callback::from(move |_: MouseEvent| on_select.emit((topic.clone(), partition)))
    };
    let committed_id = format!("committed-{}-{}", p.topic, p.partition);
    let committed = p.committed.map_or("-".to_string(), |c| c.to_string());
    let (owner, position, processed) = match &p.owner {
        Some((name, pos, done)) => (
            name.clone(),
            pos.map_or("-".into(), |o| o.to_string()),
            done.map_or("-".into(), |o| o.to_string()),
        ),
        None => ("-".into(), "-".into(), "-".into()),
    };
    html! {
        <div class={classes!("partition", selected.then_some("selected"))} data-testid={id}>
            <div class="partition-head" data-testid={format!("select-{}-{}", p.topic, p.partition)}
                onclick={select} title={t(lang, Key::SelectHint)}>
                <strong>{ format!("{}-{}", p.topic, p.partition) }</strong>
                <span class="owner">{ owner }</span>
            </div>
            if selected && p.owner.is_some() {
                <div class="seek">
                    { seek_button(p, lang, ("seek-start", Key::SeekStart), p.log_start, on_seek.clone()) }
                    { seek_button(p, lang, ("seek-end", Key::SeekEnd), p.high_watermark, on_seek.clone()) }
                    { seek_button(p, lang, ("seek-back-10", Key::SeekBack10), (p.owner.as_ref().and_then(|o| o.1).unwrap_or(0) - 10).max(0), on_seek) }
                    { seek_input(p, lang, on_seek_typed) }
                </div>
            }
            <div class="layers">
                <span>{ t(lang, Key::Committed) }{": "}<b data-testid={committed_id}>{ committed }</b></span>
                <span>{ t(lang, Key::Lag) }{": "}<b data-testid={format!("lag-{}-{}", p.topic, p.partition)}>
                    { (p.high_watermark - p.committed.unwrap_or(p.log_start).max(p.log_start)).max(0) }
                </b></span>
                // One text for the rest: the stage draws these on the log.
                <span>{ format!("{}: {} · {}: {processed} · {}: {position} · {}: {}", t(lang, Key::LogStart), p.log_start,
                    t(lang, Key::Processed), t(lang, Key::Position), t(lang, Key::Hw), p.high_watermark) }</span>
            </div>
        </div>
    }
}

fn seek_button(
    p: &PartitionView,
    lang: Lang,
    (label, key): (&'static str, Key),
    offset: i64,
    on_seek: Callback<(String, i32, i64)>,
) -> Html {
    let topic = p.topic.clone();
    let partition = p.partition;
    html! {
        <button class="small" data-testid={format!("{label}-{}-{}", p.topic, p.partition)}
            title={format!("seek {}-{} to {offset}", p.topic, p.partition)}
            onclick={Callback::from(move |_| on_seek.emit((topic.clone(), partition, offset)))}>
            { t(lang, key) }
        </button>
    }
}

/// Seek to a typed offset (applied on Enter or when the field loses focus).
fn seek_input(p: &PartitionView, lang: Lang, on_seek: Callback<(String, i32, i64)>) -> Html {
    let topic = p.topic.clone();
    let partition = p.partition;
    let onchange = Callback::from(move |e: yew::Event| {
        use wasm_bindgen::JsCast;
        if let Some(input) = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        {
            if let Ok(offset) = input.value().trim().parse::<i64>() {
                on_seek.emit((topic.clone(), partition, offset));
            }
        }
    });
    html! {
        <label class="seek-to">{ t(lang, Key::SeekTo) }
            <input type="number" min="0" step="1" data-testid={format!("seek-input-{}-{}", p.topic, p.partition)} {onchange} />
        </label>
    }
}

/// `orders-0, orders-1`, or `-` for a member with nothing.
pub fn partition_list(partitions: &[TopicPartition]) -> String {
    if partitions.is_empty() {
        return "-".to_string();
    }
    partitions
        .iter()
        .map(|tp| tp.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A generation number; before the first one (Kafka's -1, or 0 for a group with none yet)
/// the member is still joining.
pub fn generation(g: i32, lang: Lang) -> String {
    if g < 1 {
        t(lang, Key::Joining).to_string()
    } else {
        g.to_string()
    }
}

/// The lag chart: total lag of the main group over time (thick), and each partition's
/// (thin, up to eight), drawn over the time window `from .. from + span`.
pub fn lag_chart(points: &[LagSample], from: i64, span: i64) -> Html {
    const PALETTE: [&str; 8] = [
        "#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7", "#999999",
    ];
    let max_lag = points.iter().map(|(_, l, _)| *l).max().unwrap_or(1).max(1) as f64;
    let span = span.max(1) as f64;
    let line = |value: &dyn Fn(&LagSample) -> Option<i64>| -> String {
        points
            .iter()
            .filter_map(|p| {
                value(p).map(|v| {
                    format!(
                        "{},{} ",
                        Px((p.0 - from) as f64 / span * 600.0),
                        Px(100.0 - v as f64 / max_lag * 95.0)
                    )
                })
            })
            .collect()
    };
    let partitions = points
        .last()
        .map_or(0, |(_, _, v)| v.len())
        .min(PALETTE.len());
    let per_partition = (0..partitions).map(|i| {
        let path = line(&|p: &LagSample| p.2.get(i).copied());
        html! { <polyline points={path} fill="none" stroke={PALETTE[i]} stroke-width="1" /> }
    });
    let total = line(&|p: &LagSample| Some(p.1));
    html! {
        <>
            <p class="muted">{ format!("max {}", max_lag as i64) }</p>
            <svg viewBox="0 0 600 100" class="lag" preserveAspectRatio="none" data-testid="lag-chart">
                { for per_partition }
                <polyline points={total} fill="none" stroke="#1a1a1a" stroke-width="2.5" />
            </svg>
        </>
    }
}

/// The banner for a rebalance at `step` (nothing when none is under way).
pub fn rebalance_banner_at(step: Option<RebalanceStep>, lang: Lang) -> Html {
    let Some(current) = step else {
        return html! {};
    };
    let steps = RebalanceStep::ALL.iter().map(|s| {
        let class = if *s == current {
            "now"
        } else if *s < current {
            "done"
        } else {
            "todo"
        };
        html! { <li class={class}>{ t(lang, s.key()) }</li> }
    });
    html! {
        <div class="banner" data-testid="rebalance-banner" data-step={t(Lang::En, current.key())}>
            <strong>{ t(lang, Key::Rebalance) }</strong>
            <ol>{ for steps }</ol>
        </div>
    }
}

/// Simulation or live server: switching reloads the page with the other source.
pub fn source_select(live: bool, lang: Lang) -> Html {
    let onchange = Callback::from(move |e: yew::Event| {
        use wasm_bindgen::JsCast;
        let Some(select) = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok())
        else {
            return;
        };
        let search = if select.value() == "live" {
            format!("source=live&lang={}", lang.code())
        } else {
            format!("scenario=S1&lang={}", lang.code())
        };
        if let Some(w) = web_sys::window() {
            let _ = w.location().set_search(&search);
        }
    });
    html! {
        <label>{ t(lang, Key::Source) }{" "}
            <select data-testid="source-select" {onchange}>
                <option value="simulation" selected={!live}>{ t(lang, Key::Simulation) }</option>
                <option value="live" selected={live}>{ t(lang, Key::Live) }</option>
            </select>
        </label>
    }
}
