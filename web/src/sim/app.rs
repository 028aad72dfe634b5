//! The simulation's page: owns the store, the play clock, the keyboard and the URL, and
//! lays out the stage, the narration line and the panels around them.

use gloo_timers::callback::Interval;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::app::{initial_lang, remember_lang, window};
use crate::i18n::{t, Key};
use crate::panels::cards::{self, PartitionView};
use crate::panels::{Panel, PanelBox};
use crate::sim::controls::{MemberButton, Setting, Try};
use crate::sim::model::view_model;
use crate::sim::state::{Action, AppState, SPEEDS, SPEED_LABELS};
use crate::sim::view;
use crate::store::Store;
use crate::url::{self, UrlState};

fn initial_state() -> AppState {
    let query = window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    let mut state = initial_moment(&query);
    // `present=1`: presenter mode; `lesson=0`: free play, no questions.
    state.present = query.contains("present=1");
    state.lesson = !query.contains("lesson=0");
    state
}

fn initial_moment(query: &str) -> AppState {
    let u = url::parse(query);
    let lang = initial_lang(u.lang);
    let scenario = u.scenario.clone().unwrap_or_else(|| "S1".into());
    match (&u.run, u.t) {
        (Some(run), t) => {
            AppState::restore(&scenario, run, t.unwrap_or(0), lang).unwrap_or_else(|e| {
                let mut s = AppState::new(&scenario, u.seed.unwrap_or(1), lang);
                s.notice = Some(format!("the link could not be read: {e}"));
                s
            })
        }
        (None, t) => {
            let mut s = AppState::new(&scenario, u.seed.unwrap_or(1), lang);
            if let Some(t) = t {
                s.apply(Action::JumpTo(t));
            }
            s
        }
    }
}

fn now_ms() -> f64 {
    window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}

/// The simulation's page: the bar, the stage, the narration line and the panels.
#[function_component(SimApp)]
pub fn sim_app() -> Html {
    let store = use_reducer(|| Store::new(initial_state()));
    use_play_clock(store.clone());
    use_keyboard(store.clone());
    use_link((*store).clone());

    let dispatch = store.dispatcher();
    let state = store.state.borrow();
    let lang = state.lang;
    let on_answer = {
        let dispatch = dispatch.clone();
        Callback::from(move |i: usize| dispatch.dispatch(Action::Answer(i)))
    };
    html! {
        <div class={classes!("app", state.present.then_some("present"))} lang={lang.code()}>
            <SimBar store={(*store).clone()} dispatch={dispatch.clone()} />
            if let Some(notice) = &state.notice {
                <div class="notice">{ notice }</div>
            }
            <crate::stage::view::StageView stage={crate::stage::from_sim::stage_of(&state)} {lang} present={state.present} />
            { view::narration_line(&state, lang, on_answer) }
            <SimPanels store={(*store).clone()} {dispatch} />
        </div>
    }
}

/// The play clock: real time in, simulated time out (a tick every 33 ms while playing).
#[hook]
fn use_play_clock(store: UseReducerHandle<Store<AppState>>) {
    use_effect_with((), move |_| {
        let last = std::rc::Rc::new(std::cell::Cell::new(now_ms()));
        let interval = Interval::new(33, move || {
            let now = now_ms();
            let real_ms = now - last.get();
            last.set(now);
            if store.state.borrow().playing {
                store.dispatch(Action::Tick { real_ms });
            }
        });
        move || drop(interval)
    });
}

/// The keyboard: space plays and pauses, the right arrow steps, `P` toggles presenter mode
/// (not while typing in a field).
#[hook]
fn use_keyboard(store: UseReducerHandle<Store<AppState>>) {
    use_effect_with((), move |_| {
        let document = window().and_then(|w| w.document());
        let handler = wasm_bindgen::closure::Closure::<dyn Fn(web_sys::KeyboardEvent)>::new(
            move |e: web_sys::KeyboardEvent| {
                let target_is_input = e
                    .target()
                    .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                    .is_some_and(|el| {
                        matches!(el.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA")
                    });
                if target_is_input {
                    return;
                }
                match e.key().as_str() {
                    " " => {
                        e.prevent_default();
                        let playing = store.state.borrow().playing;
                        store.dispatch(if playing { Action::Pause } else { Action::Play });
                    }
                    "ArrowRight" => store.dispatch(Action::Step),
                    "p" | "P" => store.dispatch(Action::TogglePresent),
                    _ => {}
                }
            },
        );
        if let Some(doc) = &document {
            let _ =
                doc.add_event_listener_with_callback("keydown", handler.as_ref().unchecked_ref());
        }
        move || {
            if let Some(doc) = document {
                let _ = doc.remove_event_listener_with_callback(
                    "keydown",
                    handler.as_ref().unchecked_ref(),
                );
            }
        }
    });
}

/// The URL always holds the moment: at once when paused, about once a second of real time
/// while playing (a replaceState with a long run string costs a frame).
#[hook]
fn use_link(store: Store<AppState>) {
    let written = use_mut_ref(|| f64::NEG_INFINITY);
    let state = store.state.borrow();
    if state.playing && now_ms() - *written.borrow() < 1000.0 {
        return;
    }
    *written.borrow_mut() = now_ms();
    let u = UrlState {
        scenario: Some(state.scenario.id.clone()),
        seed: Some(state.seed),
        lang: Some(state.lang),
        run: Some(state.run_string()),
        t: Some(state.now()),
        source: None,
        url: None,
        group: None,
    };
    if let Some(history) = window().and_then(|w| w.history().ok()) {
        let mut link = url::build(&u);
        if state.present {
            link.push_str("&present=1");
        }
        if !state.lesson {
            link.push_str("&lesson=0");
        }
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&link));
    }
}

/// What the simulation's parts get: the store to read and its dispatcher to act.
#[derive(Properties, PartialEq)]
pub struct SimProps {
    /// The state (a new version after every action, so the part redraws).
    pub store: Store<AppState>,
    /// Where the part's actions go.
    pub dispatch: UseReducerDispatcher<Store<AppState>>,
}

/// A select's or an input's value, from its change event.
fn value_of(e: &Event) -> Option<String> {
    let target = e.target()?;
    if let Some(select) = target.dyn_ref::<web_sys::HtmlSelectElement>() {
        return Some(select.value());
    }
    target
        .dyn_ref::<web_sys::HtmlInputElement>()
        .map(|i| i.value())
}

/// The bar: source, scenario, play/pause, step, to the end, speed, lesson, presenter mode,
/// language, and the timeline with the clock.
#[function_component(SimBar)]
pub fn sim_bar(props: &SimProps) -> Html {
    let state = props.store.state.borrow();
    let lang = state.lang;
    let dispatch = &props.dispatch;
    let on = |action: Action| {
        let dispatch = dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.dispatch(action.clone()))
    };
    let on_scenario = {
        let (dispatch, seed) = (dispatch.clone(), state.seed);
        Callback::from(move |e: Event| {
            if let Some(scenario) = value_of(&e) {
                dispatch.dispatch(Action::Load { scenario, seed });
            }
        })
    };
    let on_speed = {
        let dispatch = dispatch.clone();
        Callback::from(move |e: Event| {
            // Looked up, not parsed: no float parser in the wasm module for one select.
            let value = value_of(&e).unwrap_or_default();
            if let Some(i) = SPEED_LABELS.iter().position(|l| *l == value) {
                dispatch.dispatch(Action::SetSpeed(SPEEDS[i]));
            }
        })
    };
    let on_slider = {
        let dispatch = dispatch.clone();
        Callback::from(move |e: Event| {
            if let Some(Ok(t)) = value_of(&e).map(|v| v.parse::<i64>()) {
                dispatch.dispatch(Action::JumpTo(t));
            }
        })
    };
    let on_lang = {
        let (dispatch, next) = (dispatch.clone(), lang.other());
        Callback::from(move |_: MouseEvent| {
            remember_lang(next);
            dispatch.dispatch(Action::SetLang(next));
        })
    };
    let speed_options = SPEEDS.iter().zip(SPEED_LABELS).map(|(s, label)| {
        html! { <option value={label} selected={(*s - state.speed).abs() < 1e-9}>{ format!("{label}x") }</option> }
    });
    let (now, duration) = (state.now(), state.scenario.duration);
    html! {
        <header class="bar">
            <strong class="brand">{ "minikafka" }</strong>
            <div class="controls">
                { cards::source_select(false, lang) }
                <select data-testid="scenario-select" onchange={on_scenario} aria-label={t(lang, Key::Scenario)}>
                    { view::scenario_options(&state.scenario.id, lang) }
                </select>
                if state.playing {
                    <button data-testid="pause" onclick={on(Action::Pause)}>{ t(lang, Key::Pause) }</button>
                } else {
                    <button data-testid="play" onclick={on(Action::Play)} disabled={state.at_end()}>{ t(lang, Key::Play) }</button>
                }
                <button data-testid="step" onclick={on(Action::Step)}>{ t(lang, Key::Step) }</button>
                <button data-testid="to-end" onclick={on(Action::ToEnd)}>{ t(lang, Key::ToEnd) }</button>
                <label>{ t(lang, Key::Speed) }{" "}<select data-testid="speed" onchange={on_speed}>{ for speed_options }</select></label>
                <button data-testid="lesson-toggle" class={classes!(state.lesson.then_some("on"))} onclick={on(Action::SetLesson(!state.lesson))}
                    title={t(lang, Key::LessonHint)} aria-pressed={state.lesson.to_string()}>{ t(lang, Key::Lesson) }</button>
                <button data-testid="present-toggle" class={classes!(state.present.then_some("on"))} onclick={on(Action::TogglePresent)}
                    title={t(lang, Key::PresentHint)} aria-pressed={state.present.to_string()}>{ t(lang, Key::Present) }</button>
                <button data-testid="lang-toggle" onclick={on_lang}>{ t(lang, Key::Lang) }</button>
            </div>
            <div class="clock-row">
                <input type="range" class="timeline" data-testid="timeline" min="0" max={duration.to_string()}
                    step="100" value={now.to_string()} onchange={on_slider} aria-label={t(lang, Key::Time)} />
                <b class="clock" data-testid="clock">{ format!("{} / {}", cards::secs(now), cards::secs(duration)) }</b>
            </div>
        </header>
    }
}

/// Below the stage: the legend, the counters, the rebalance banner and the foldable panels
/// (narration so far, partitions, members, the learner's controls, lag, events).
#[function_component(SimPanels)]
pub fn sim_panels(props: &SimProps) -> Html {
    let state = props.store.state.borrow();
    let lang = state.lang;
    let vm = view_model(&state);
    let dispatch = &props.dispatch;
    let on_member = {
        let dispatch = dispatch.clone();
        Callback::from(move |(name, what): (String, MemberButton)| {
            dispatch.dispatch(Action::Member { name, what });
        })
    };
    // Stable across frames, so that unchanged settings rows are not drawn again.
    let on_configure = {
        let dispatch = dispatch.clone();
        use_callback(
            (),
            move |(name, field, value): (String, Setting, String), _| {
                dispatch.dispatch(Action::Configure { name, field, value })
            },
        )
    };
    let on_select = {
        let dispatch = dispatch.clone();
        Callback::from(move |(topic, partition): (String, i32)| {
            dispatch.dispatch(Action::Select(topic, partition))
        })
    };
    let on_try = {
        let dispatch = dispatch.clone();
        Callback::from(move |what: Try| dispatch.dispatch(Action::Try(what)))
    };
    let on_seek = {
        let dispatch = dispatch.clone();
        Callback::from(move |(topic, partition, offset): (String, i32, i64)| {
            dispatch.dispatch(Action::Seek {
                topic,
                partition,
                offset,
            })
        })
    };
    let on_fold = {
        let dispatch = dispatch.clone();
        Callback::from(move |panel: Panel| dispatch.dispatch(Action::TogglePanel(panel)))
    };
    let is_open = |panel: Panel| !state.folded.contains(&panel);
    let is_selected = |p: &PartitionView| {
        state
            .selected
            .as_ref()
            .is_some_and(|(t, n)| *t == p.topic && *n == p.partition)
    };
    html! {
        <div class="below">
            <crate::stage::view::Legend {lang} />
            { view::counters(&vm, lang) }
            { view::rebalance_banner(&vm, lang) }
            <main>
                <PanelBox panel={Panel::Narration} {lang} open={is_open(Panel::Narration)} on_toggle={on_fold.clone()}>
                    if is_open(Panel::Narration) { { view::narration(&state, lang) } }
                </PanelBox>
                <PanelBox panel={Panel::Partitions} {lang} open={is_open(Panel::Partitions)} on_toggle={on_fold.clone()}
                    extra={if vm.partitions.len() > 16 { format!(" · 16 / {}", vm.partitions.len()) } else { String::new() }}>
                    // A crowded world lists its first 16 partitions (and the selected one):
                    // the stage draws them all, and 64 panels redrawn every frame cost frames.
                    if is_open(Panel::Partitions) {
                        { for vm.partitions.iter().enumerate().filter(|(i, p)| *i < 16 || is_selected(p)).map(|(_, p)| {
                            cards::partition(p, lang, is_selected(p), on_select.clone(), on_seek.clone())
                        }) }
                    }
                </PanelBox>
                <PanelBox panel={Panel::Members} {lang} open={is_open(Panel::Members)} on_toggle={on_fold.clone()}
                    extra={format!(" · {} {}", t(lang, Key::Generation), cards::generation(vm.generation, lang))}>
                    if is_open(Panel::Members) {
                        <div class="members">{ for vm.members.iter().map(|m| view::member(m, lang, on_member.clone(), &on_configure)) }</div>
                    }
                </PanelBox>
                <PanelBox panel={Panel::Controls} {lang} open={is_open(Panel::Controls)} on_toggle={on_fold.clone()}>
                    if is_open(Panel::Controls) { { view::world_controls(lang, on_try) } }
                </PanelBox>
                <PanelBox panel={Panel::Lag} {lang} open={is_open(Panel::Lag)} on_toggle={on_fold.clone()}>
                    if is_open(Panel::Lag) { { cards::lag_chart(&state.lag, 0, state.scenario.duration) } }
                </PanelBox>
                <PanelBox panel={Panel::Events} {lang} open={is_open(Panel::Events)} on_toggle={on_fold}>
                    if is_open(Panel::Events) { { view::events(&state, lang) } }
                </PanelBox>
            </main>
        </div>
    }
}
