//! `minikafka`: the native command line.
//!
//! `minikafka scenario S1` runs a teaching scenario in the simulated world and narrates it
//! as it happens. (The Kafka wire-protocol server comes with a later subcommand.)

#[cfg(not(target_arch = "wasm32"))]
mod scenario;

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    scenario::main()
}

/// The CLI is native only; the wasm build of the crate is the library.
#[cfg(target_arch = "wasm32")]
fn main() {}
