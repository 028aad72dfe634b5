//! `minikafka scenario <id>`: run a teaching scenario and narrate it.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, ValueEnum};

use minikafka::sim::scenarios::{self, Narration, Scenario};
use minikafka::sim::summary::RunSummary;
use minikafka::sim::{WorldEvent, WorldEventKind};
use minikafka::Event;

#[derive(Parser, Debug)]
pub struct ReplayArgs {
    /// The run string, `mk1.` followed by base64.
    run: String,
    /// Simulated time to run to, in ms (default: the recognised scenario's end, or 60 s
    /// after the last command).
    #[arg(long)]
    until: Option<i64>,
    /// Print only the JSON summary.
    #[arg(long)]
    json: bool,
    /// Show every event.
    #[arg(long, short)]
    verbose: bool,
    /// Language of the narration (when the run begins with a scenario's script).
    #[arg(long, value_enum, default_value_t = Lang::En)]
    lang: Lang,
}

#[derive(Parser, Debug)]
pub struct ScenarioArgs {
    /// Scenario id, e.g. S1 (case-insensitive). Without one, the scenarios are listed.
    id: Option<String>,
    /// List the scenarios and exit.
    #[arg(long)]
    list: bool,
    /// Seed of the simulated world: member ids and other random choices derive from it.
    /// The scenario's outcome is the same for every seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Language of the narration.
    #[arg(long, value_enum, default_value_t = Lang::En)]
    lang: Lang,
    /// Simulated seconds per real second (0: as fast as possible).
    #[arg(long, default_value_t = 10.0)]
    speed: f64,
    /// Print only one JSON object at the end: duplicates, lost, generation, committed
    /// offsets and members.
    #[arg(long)]
    json: bool,
    /// Show every event (heartbeats, fetches, each processed record...).
    #[arg(long, short)]
    verbose: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Lang {
    En,
    Zh,
}

pub fn run_replay(args: ReplayArgs) -> ExitCode {
    die_quietly_on_closed_pipe();
    let script = match minikafka::sim::Script::decode(args.run.trim()) {
        Ok(script) => script,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if args.until.is_some_and(|u| u < 0) {
        eprintln!("error: --until must be >= 0");
        return ExitCode::from(2);
    }
    let last = script.commands.last().map_or(0, |(at, _)| *at);
    let scenario = recognise(&script);
    let mut out = Printer::new(args.lang, args.verbose, args.json);
    let (narration, until) = match &scenario {
        Some(s) => {
            if !args.json {
                let extra = script.commands.len() - s.script.len();
                let note = match (args.lang, extra) {
                    (Lang::Zh, 0) => format!(
                        "识别出场景 {}：按 `minikafka scenario {}` 讲解",
                        s.id, s.id
                    ),
                    (Lang::Zh, _) => format!(
                        "识别出场景 {}，其后还有你自己的 {extra} 条命令：按 `minikafka scenario {}` 讲解",
                        s.id, s.id
                    ),
                    (_, 0) => format!(
                        "recognised scenario {}: narrated as `minikafka scenario {}`",
                        s.id, s.id
                    ),
                    _ => format!(
                        "recognised scenario {} and {extra} command(s) of your own after it: narrated as `minikafka scenario {}`",
                        s.id, s.id
                    ),
                };
                out.note(&note);
                out.title(s);
            }
            // The scenario's end, or later if the run goes on after it.
            let end = args.until.unwrap_or(s.duration.max(last));
            (s.narration.as_slice(), end)
        }
        None => {
            if !args.json {
                out.note(if args.lang == Lang::Zh {
                    "没有哪个场景的脚本是这次运行的开头：不加讲解地重放"
                } else {
                    "no scenario's script begins this run: replayed without narration"
                });
            }
            (&[][..], args.until.unwrap_or(last + 60_000))
        }
    };
    let phases = scenario
        .as_ref()
        .map_or_else(Vec::new, |s| scenarios::pause_phases(&s.id));
    let world = play(
        script.seed,
        &script.commands,
        narration,
        phases,
        until,
        args.lang,
        0.0,
        args.json,
        &mut out,
    );
    let summary = RunSummary::of(&world, scenario.as_ref().map(|s| s.id.as_str()));
    finish(&summary, args.json, &mut out)
}

/// The scenario whose script the run's commands begin with: the longest, if several do
/// (a scenario's set-up alone is not a match unless it is the whole script).
fn recognise(script: &minikafka::sim::Script) -> Option<Scenario> {
    scenarios::all()
        .into_iter()
        .filter(|s| {
            !s.script.is_empty()
                && script.commands.len() >= s.script.len()
                && script.commands[..s.script.len()] == s.script[..]
        })
        .max_by_key(|s| s.script.len())
}

pub fn run_scenario(args: ScenarioArgs) -> ExitCode {
    die_quietly_on_closed_pipe();
    if args.list || args.id.is_none() {
        for s in scenarios::all() {
            let title = if args.lang == Lang::Zh {
                &s.title_zh
            } else {
                &s.title_en
            };
            println!("{:<4} {title}", s.id);
        }
        return ExitCode::SUCCESS;
    }
    let id = args.id.clone().unwrap_or_default();
    let Some(scenario) = scenarios::by_id(&id) else {
        let known: Vec<String> = scenarios::all().into_iter().map(|s| s.id).collect();
        eprintln!(
            "error: unknown scenario {id:?}; known: {}",
            known.join(", ")
        );
        return ExitCode::from(2);
    };
    if !(args.speed >= 0.0 && args.speed.is_finite()) {
        eprintln!("error: --speed must be a number >= 0 (0: as fast as possible)");
        return ExitCode::from(2);
    }
    let mut out = Printer::new(args.lang, args.verbose, args.json);
    out.title(&scenario);
    let world = play(
        args.seed,
        &scenario.script,
        &scenario.narration,
        scenarios::pause_phases(&scenario.id),
        scenario.duration,
        args.lang,
        args.speed,
        args.json,
        &mut out,
    );
    let summary = RunSummary::of(&world, Some(&scenario.id));
    finish(&summary, args.json, &mut out)
}

/// Run commands from `seed` to `until` in slices of simulated time, printing narration
/// and events (a scenario, or a replayed run).
#[allow(clippy::too_many_arguments)]
fn play(
    seed: u64,
    commands: &[(i64, minikafka::sim::Command)],
    narration: &[Narration],
    phases: Vec<minikafka::sim::pauses::Phase>,
    until: i64,
    lang: Lang,
    speed: f64,
    json: bool,
    out: &mut Printer,
) -> minikafka::sim::World {
    const SLICE: i64 = 100;
    let mut world = minikafka::sim::World::new(seed);
    // The runs here are small; `--json` reports the pauses when a consumer-protocol group
    // is in the run (S14), phase by phase if the scenario has phases.
    world.meter_pauses_in(phases);
    let mut script = commands.iter().peekable();
    let mut narration = narration.iter().peekable();
    let text = |n: &Narration| {
        if lang == Lang::Zh {
            n.zh.clone()
        } else {
            n.en.clone()
        }
    };
    let mut t = 0;
    loop {
        let t_now = t.min(until);
        while let Some((at, command)) = script.peek() {
            if *at > t_now {
                break;
            }
            world.run_until(*at);
            world.apply(command.clone());
            script.next();
        }
        world.run_until(t_now);
        let events = world.take_events();
        for event in &events {
            while let Some(n) = narration.peek() {
                if n.at > event.at {
                    break;
                }
                out.narrate(n.at, &text(n));
                narration.next();
            }
            out.event(event);
        }
        while let Some(n) = narration.peek() {
            if n.at > t_now {
                break;
            }
            out.narrate(n.at, &text(n));
            narration.next();
        }
        if speed > 0.0 && !json {
            out.flush();
            std::thread::sleep(Duration::from_secs_f64(SLICE as f64 / 1000.0 / speed));
        }
        if t >= until {
            break;
        }
        t += SLICE;
    }
    out.flush();
    world
}

/// Terminal output: narration highlighted, noisy events folded into ranges.
struct Printer {
    lang: Lang,
    verbose: bool,
    quiet: bool,
    color: bool,
    /// A run of consecutive processed offsets being folded: (consumer, tp, first, last,
    /// duplicates, first time).
    run: Option<(String, String, i64, i64, u32, i64)>,
}

impl Printer {
    fn new(lang: Lang, verbose: bool, quiet: bool) -> Printer {
        let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        Printer {
            lang,
            verbose,
            quiet,
            color,
            run: None,
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn title(&self, s: &Scenario) {
        if self.quiet {
            return;
        }
        let title = if self.lang == Lang::Zh {
            &s.title_zh
        } else {
            &s.title_en
        };
        println!("{}", self.paint("1", &format!("{} - {title}", s.id)));
    }

    /// A line about the run itself (which scenario a replay recognised).
    fn note(&mut self, text: &str) {
        if self.quiet {
            return;
        }
        println!("{}", self.paint("2", text));
    }

    fn narrate(&mut self, at: i64, text: &str) {
        if self.quiet {
            return;
        }
        self.flush_run();
        println!(
            "\n{} {}",
            self.paint("1;36", &format!("[{:>4}.{:03}s] >>", at / 1000, at % 1000)),
            self.paint("1", text)
        );
    }

    fn event(&mut self, e: &WorldEvent) {
        if self.quiet {
            return;
        }
        if !self.verbose {
            match &e.kind {
                WorldEventKind::Processed {
                    name,
                    tp,
                    offset,
                    times,
                    ..
                } => {
                    let tp = tp.to_string();
                    let dup = u32::from(*times > 1);
                    if let Some(run) = &mut self.run {
                        if run.0 == *name && run.1 == tp && run.3 + 1 == *offset {
                            run.3 = *offset;
                            run.4 += dup;
                            return;
                        }
                    }
                    self.flush_run();
                    self.run = Some((name.clone(), tp, *offset, *offset, dup, e.at));
                    return;
                }
                WorldEventKind::Broker {
                    event: Event::Heartbeat { error: None, .. } | Event::FetchServed { .. },
                } => return,
                WorldEventKind::Producer { .. } | WorldEventKind::Command { .. } => return,
                _ => {}
            }
        }
        self.flush_run();
        let line = e.to_string();
        let line =
            if line.contains("DUPLICATE") || line.contains("FAILED") || line.contains("lost ") {
                self.paint("31", &line)
            } else if matches!(e.kind, WorldEventKind::Broker { .. }) {
                self.paint("2", &line)
            } else {
                line
            };
        println!("{line}");
    }

    fn flush_run(&mut self) {
        if let Some((name, tp, first, last, dups, at)) = self.run.take() {
            let range = if first == last {
                format!("offset {first}")
            } else {
                format!("offsets {first}..{last}")
            };
            let mut line = format!(
                "[{:>4}.{:03}s] {name:<9} processed {tp} {range}",
                at / 1000,
                at % 1000
            );
            if dups > 0 {
                line.push_str(&format!(" ({dups} DUPLICATES)"));
                line = self.paint("31", &line);
            }
            println!("{line}");
        }
    }

    fn flush(&mut self) {
        self.flush_run();
        let _ = std::io::stdout().flush();
    }

    fn summary(&mut self, s: &RunSummary) {
        self.flush_run();
        let zh = self.lang == Lang::Zh;
        println!("\n{}", self.paint("1", if zh { "结果" } else { "Outcome" }));
        println!(
            "  {}: {}   {}: {}   {}: {}",
            if zh { "重复" } else { "duplicates" },
            s.duplicates,
            if zh { "丢失" } else { "lost" },
            s.lost,
            if zh { "代" } else { "generation" },
            s.generation
        );
        if let Some(p) = &s.protocols {
            let line = |x: &minikafka::sim::summary::ProtocolPauses| {
                if zh {
                    format!(
                        "暂停的分区·秒: {:.1}   停下的分区: {}   停下的成员: {}   再均衡: {}",
                        x.paused_partition_seconds,
                        x.partitions_stopped,
                        x.members_stopped,
                        x.rebalances
                    )
                } else {
                    format!(
                        "paused partition-seconds: {:.1}   partitions stopped: {}   members stopped: {}   rebalances: {}",
                        x.paused_partition_seconds,
                        x.partitions_stopped,
                        x.members_stopped,
                        x.rebalances
                    )
                }
            };
            if let Some(first) = p.phases.first() {
                let starts: Vec<String> = p
                    .phases
                    .iter()
                    .map(|ph| format!("{} {:.1} s", ph.name, ph.from as f64 / 1000.0))
                    .collect();
                println!(
                    "  {}",
                    if zh {
                        format!(
                            "从 {:.1} 秒起按阶段计（{}）：",
                            first.from as f64 / 1000.0,
                            starts.join("，")
                        )
                    } else {
                        format!(
                            "counted from {:.1} s on, by phase ({}):",
                            first.from as f64 / 1000.0,
                            starts.join(", ")
                        )
                    }
                );
            }
            for (name, x) in [("classic", &p.classic), ("consumer", &p.consumer)] {
                println!("  group.protocol={name:<8} {}", line(x));
                for phase in &p.phases {
                    if let Some(y) = x.phases.get(&phase.name) {
                        println!("    {:<20} {}", phase.name, line(y));
                    }
                }
            }
        }
        for (group, topics) in &s.committed_by_group {
            for (topic, partitions) in topics {
                for (partition, offset) in partitions {
                    println!(
                        "  {} {group} {topic}-{partition} = {offset}",
                        if zh { "已提交" } else { "committed" }
                    );
                }
            }
        }
        for m in &s.members {
            println!(
                "  {:<9} {:<8} {}",
                m.name,
                m.state,
                if m.partitions.is_empty() {
                    "-".to_string()
                } else {
                    m.partitions.join(", ")
                }
            );
        }
        // The whole string: pasted into `minikafka replay` or the page's URL, it is the run.
        println!("  replay: {}", s.script);
    }
}

/// Print the outcome: one JSON object, or the readable summary.
fn finish(summary: &RunSummary, json: bool, out: &mut Printer) -> ExitCode {
    if json {
        match serde_json::to_string_pretty(summary) {
            Ok(json) => println!("{json}"),
            Err(e) => {
                eprintln!("error: cannot encode the summary: {e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        out.summary(summary);
    }
    ExitCode::SUCCESS
}

/// `minikafka scenario S1 | head -2`: when the reader goes away, end quietly as `cat` and
/// `yes` do (killed by SIGPIPE), instead of panicking in `println!` with "Broken pipe".
/// Rust ignores SIGPIPE by default; these two commands hold nothing that must be flushed or
/// committed, so the default action is right for them. (`consume` handles a closed pipe
/// itself: it commits and leaves the group first.)
fn die_quietly_on_closed_pipe() {
    #[cfg(unix)]
    {
        extern "C" {
            fn signal(signum: i32, handler: usize) -> usize;
        }
        const SIGPIPE: i32 = 13;
        const SIG_DFL: usize = 0;
        // SAFETY: resetting one signal's disposition to its default before any thread
        // starts; no handler code runs.
        unsafe {
            signal(SIGPIPE, SIG_DFL);
        }
    }
}
