//! The page, drawn from the view model. Pure rendering: no state lives here.

use minikafka::sim::scenarios;
use minikafka::sim::WorldEventKind;
use minikafka::sim::{CommitMode, Semantics};
use minikafka::Event;
use yew::prelude::*;

use crate::controls::{MemberButton, Setting, Try};
use crate::i18n::{t, Key, Lang};
use crate::model::{MemberView, PartitionView, ViewModel};
use crate::px::Px;
use crate::state::{AppState, LagSample};
use minikafka::client::TopicPartition;

pub(crate) fn secs(ms: i64) -> String {
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

/// The learner's controls for the whole world.
pub fn world_controls(lang: Lang, on: Callback<Try>) -> Html {
    let button = |what: Try| {
        let on = on.clone();
        html! {
            <button data-testid={what.id()} onclick={Callback::from(move |_| on.emit(what))}>{ t(lang, what.key()) }</button>
        }
    };
    html! {
        <div class="member-actions">
            { for Try::ALL.into_iter().map(button) }
        </div>
    }
}

/// A select whose change emits (member, field, value).
fn setting(
    member: &str,
    label: &str,
    field: Setting,
    current: String,
    options: &[(String, String)],
    on_configure: &Callback<(String, Setting, String)>,
) -> Html {
    let name = member.to_string();
    let cb = on_configure.clone();
    let onchange = Callback::from(move |e: yew::Event| {
        use wasm_bindgen::JsCast;
        if let Some(select) = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok())
        {
            cb.emit((name.clone(), field, select.value()));
        }
    });
    let mut options = options.to_vec();
    if !options.iter().any(|(v, _)| *v == current) {
        options.push((current.clone(), current.clone()));
    }
    html! {
        <label class="setting">{ label }
            <select data-testid={format!("setting-{}-{}", field.id(), member)} {onchange}>
                { for options.iter().map(|(v, text)| html! { <option value={v.clone()} selected={*v == current}>{ text }</option> }) }
            </select>
        </label>
    }
}

fn durations(values: &[i64]) -> Vec<(String, String)> {
    values
        .iter()
        .map(|v| {
            (
                v.to_string(),
                if *v >= 1000 {
                    format!("{} s", v / 1000)
                } else {
                    format!("{v} ms")
                },
            )
        })
        .collect()
}

/// "Auto-commit · At-least-once · 10 ms/record", in the page's language.
pub(crate) fn mode_line(m: &MemberView, lang: Lang) -> String {
    let mode = match m.commit_mode {
        CommitMode::Auto => Key::ModeAuto,
        CommitMode::PerRecord => Key::ModeRecord,
        CommitMode::PerBatch => Key::ModeBatch,
        CommitMode::PerBatchAsync => Key::ModeAsync,
    };
    let semantics = match m.semantics {
        Semantics::AtLeastOnce => Key::AtLeastOnce,
        Semantics::AtMostOnce => Key::ModeAtMostOnce,
    };
    format!(
        "{} · {} · {} {}",
        t(lang, mode),
        t(lang, semantics),
        m.processing_ms,
        t(lang, Key::MsPerRecord)
    )
}

/// The settings row of a member card, as a component: its props change only when a
/// setting does, so a crowded world's 32 cards do not rebuild their selects every frame
/// (they were a tenth of its frame time).
#[derive(Properties, PartialEq)]
pub struct SettingsProps {
    /// The member's name.
    pub name: AttrValue,
    /// Its settings.
    pub settings: crate::model::MemberSettings,
    /// Page language.
    pub lang: Lang,
    /// (member, setting, new value); must be a stable callback (`use_callback`).
    pub on_configure: Callback<(String, Setting, String)>,
}

/// The settings row of a member card.
#[function_component(MemberSettingsRow)]
pub fn member_settings(p: &SettingsProps) -> Html {
    let (s, lang, name, on_configure) = (&p.settings, p.lang, p.name.as_str(), &p.on_configure);
    let assignors: Vec<(String, String)> = ["range", "roundrobin", "sticky", "cooperative-sticky"]
        .iter()
        .map(|a| (a.to_string(), a.to_string()))
        .collect();
    let on_off = vec![
        ("off".to_string(), "off".to_string()),
        ("on".to_string(), "on".to_string()),
    ];
    html! {
        <details class="settings">
            <summary>{ t(lang, Key::Settings) }</summary>
            { setting(name, t(lang, Key::Assignor), Setting::Assignor, s.assignor.clone(), &assignors, on_configure) }
            { setting(name, t(lang, Key::Static), Setting::Static, if s.static_member { "on".into() } else { "off".into() }, &on_off, on_configure) }
            { setting(name, "session.timeout.ms", Setting::Session, s.session_ms.to_string(), &durations(&[6_000, 10_000, 30_000, 45_000]), on_configure) }
            { setting(name, "heartbeat.interval.ms", Setting::Heartbeat, s.heartbeat_ms.to_string(), &durations(&[1_000, 3_000, 10_000]), on_configure) }
            { setting(name, "max.poll.interval.ms", Setting::MaxPoll, s.max_poll_ms.to_string(), &durations(&[10_000, 60_000, 300_000]), on_configure) }
            { setting(name, t(lang, Key::ProcessingTime), Setting::Processing, s.processing_ms.to_string(), &durations(&[0, 10, 100, 1_000, 20_000]), on_configure) }
            <p class="muted">{ t(lang, Key::SettingsHint) }</p>
        </details>
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

/// A member card.
pub fn member(
    m: &MemberView,
    lang: Lang,
    on_action: Callback<(String, MemberButton)>,
    on_configure: &Callback<(String, Setting, String)>,
) -> Html {
    let id = format!("member-{}", m.name);
    let parts = partition_list(&m.partitions);
    let button = |action: MemberButton| {
        let name = m.name.clone();
        let cb = on_action.clone();
        html! {
            <button class="small" data-testid={format!("{}-{}", action.id(), m.name)}
                onclick={Callback::from(move |_| cb.emit((name.clone(), action)))}>{ t(lang, action.key()) }</button>
        }
    };
    let alive = !m.state.gone();
    html! {
        <div class={classes!("member", m.state.word(), m.heartbeat_pulse.then_some("pulse"))} data-testid={id} data-state={m.state.word()}>
            <div class="member-head">
                <strong>{ &m.name }</strong>
                if m.leader { <span class="badge">{"leader"}</span> }
                <span class="state">{ t(lang, m.state.key()) }</span>
            </div>
            <div class="member-body">
                <span>{ parts }</span>
                <span class="muted">{ format!("{} {} · {} {}", t(lang, Key::Generation), generation(m.generation, lang), m.processed, t(lang, Key::Processed)) }</span>
            </div>
            <div class="member-actions">
                if alive {
                    { for MemberButton::ALIVE.into_iter().map(button) }
                } else {
                    { button(MemberButton::Restart) }
                }
            </div>
            <div class="muted">{ mode_line(m, lang) }</div>
            <MemberSettingsRow name={m.name.clone()} settings={m.settings.clone()} {lang} on_configure={on_configure.clone()} />
            if let Some(left) = m.session_left_ms {
                <div class={classes!("session", (left < 5_000).then_some("urgent"))} data-testid={format!("session-{}", m.name)}>
                    { format!("{} {}{}", t(lang, Key::Session), secs(left), t(lang, Key::SessionSuffix)) }
                </div>
            }
        </div>
    }
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

/// The narration so far, newest first.
pub fn narration(state: &AppState, lang: Lang) -> Html {
    let now = state.now();
    let lines = state
        .scenario
        .narration
        .iter()
        .filter(|n| n.at <= now)
        .rev()
        .map(|n| {
            let text = if lang == Lang::Zh { &n.zh } else { &n.en };
            html! { <p><span class="at">{ secs(n.at) }</span>{" "}{ text }</p> }
        });
    html! {
        <div data-testid="narration">{ for lines }</div>
    }
}

/// The narration line under the stage: the latest thing that happened, and the lesson's
/// question when it asks one (the options are buttons; answering plays on).
pub fn narration_line(state: &AppState, lang: Lang, on_answer: Callback<usize>) -> Html {
    let now = state.now();
    let current = state.scenario.narration.iter().rfind(|n| n.at <= now);
    let text = current.map(|n| {
        if lang == Lang::Zh {
            n.zh.as_str()
        } else {
            n.en.as_str()
        }
    });
    let pick = |pair: &(&'static str, &'static str)| if lang == Lang::Zh { pair.1 } else { pair.0 };
    let questions = state.questions();
    let question = state.asking.and_then(|i| questions.get(i));
    let answered = state
        .recent_answer()
        .and_then(|(i, choice)| questions.get(i).map(|q| (q, choice)));
    html! {
        <div class="narration-line" data-testid="narration-line" aria-live="polite">
            if let Some(q) = question {
                <div class="predict" data-testid="predict">
                    <span class="predict-tag">{ t(lang, Key::Predict) }</span>
                    <span class="predict-ask">{ pick(&q.ask) }</span>
                    <span class="predict-options">
                        { for q.options.iter().enumerate().map(|(i, o)| {
                            let on_answer = on_answer.clone();
                            html! {
                                <button data-testid={format!("predict-option-{i}")}
                                    onclick={Callback::from(move |_: MouseEvent| on_answer.emit(i))}>{ pick(o) }</button>
                            }
                        }) }
                    </span>
                </div>
            } else if let Some((q, choice)) = answered {
                <p class="answer" data-testid="predict-answer" data-right={(choice == q.answer).to_string()}>
                    <b>{ if choice == q.answer { t(lang, Key::Right) } else { t(lang, Key::NotQuite) } }</b>
                    { " " }{ pick(&q.why) }
                </p>
            } else if let Some(n) = current {
                <p>
                    if state.slow_ms > 0.0 {
                        <span class="slowmo" data-testid="slow-motion">{ t(lang, Key::SlowMotion) }</span>{ " " }
                    }
                    <span class="at">{ secs(n.at) }</span>{ " " }{ text.unwrap_or_default() }
                </p>
            }
        </div>
    }
}

/// The recent events, newest first, without the per-heartbeat noise.
pub fn events(state: &AppState, lang: Lang) -> Html {
    let rows = state
        .log
        .iter()
        .rev()
        .filter(|e| {
            !matches!(
                &e.kind,
                WorldEventKind::Broker {
                    event: Event::Heartbeat { error: None, .. } | Event::FetchServed { .. }
                } | WorldEventKind::Producer { .. }
            )
        })
        .take(40)
        .map(|e| html! { <li>{ crate::event_text::world_line(e, lang) }</li> });
    html! { <ul>{ for rows }</ul> }
}

/// The scenario picker's options.
pub fn scenario_options(current: &str, lang: Lang) -> Html {
    // Building every scenario (its script, its lesson) to read its title cost a crowded
    // world's frames: the titles are read once.
    thread_local! {
        static TITLES: Vec<(String, String, String)> = scenarios::all()
            .into_iter()
            .map(|s| (s.id, s.title_en, s.title_zh))
            .collect();
    }
    TITLES.with(|titles| {
        let options = titles.iter().map(|(id, en, zh)| {
            let title = if lang == Lang::Zh { zh } else { en };
            html! { <option value={id.clone()} selected={id == current}>{ format!("{id} · {title}") }</option> }
        });
        html! { <>{ for options }</> }
    })
}

/// The banner walking through the five steps of the latest rebalance.
pub fn rebalance_banner(vm: &ViewModel, lang: Lang) -> Html {
    rebalance_banner_at(vm.rebalance_step, lang)
}

/// The banner for a rebalance at `step` (nothing when none is under way).
pub fn rebalance_banner_at(step: Option<crate::model::RebalanceStep>, lang: Lang) -> Html {
    let Some(current) = step else {
        return html! {};
    };
    let steps = crate::model::RebalanceStep::ALL.iter().map(|s| {
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

/// The counters.
pub fn counters(vm: &ViewModel, lang: Lang) -> Html {
    html! {
        <div class="counters">
            <div class="counter"><span>{ t(lang, Key::Duplicates) }</span><b data-testid="duplicates-count">{ vm.duplicates }</b></div>
            <div class="counter"><span>{ t(lang, Key::Lost) }</span><b data-testid="lost-count">{ vm.lost }</b></div>
            <div class="counter"><span>{ t(lang, Key::Generation) }</span><b data-testid="generation">{ generation(vm.generation, lang) }</b></div>
            <div class="counter"><span>{ t(lang, Key::Time) }</span><b data-testid="time">{ secs(vm.now) }</b></div>
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
