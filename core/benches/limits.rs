//! This machine's limits, measured in the same run as the benchmarks so that every figure in
//! `bench/RESULTS.md` can also be read as a ratio to what the hardware allows:
//!
//! - **memcpy**: bytes per second one core copies between two 64 MiB buffers (larger than
//!   any cache), the ceiling for anything that touches every byte once;
//! - **first touch**: bytes per second written into memory the process never used before
//!   (1 GiB, fresh from the kernel; the first of three runs, and the best), the ceiling for anything that fills *new* pages,
//!   such as the page cache under a log that grows: each page costs a fault and zeroing,
//!   and in a virtual machine whose host backs guest memory lazily (a balloon with free
//!   page reporting) a trip to the host as well;
//! - **loopback**: bytes per second one TCP connection moves over 127.0.0.1 with 64 KiB
//!   writes, the ceiling for the server's network path on one machine;
//! - **fsync**: `fdatasync` calls per second after 4 KiB appends, in the file system of
//!   `MINIKAFKA_LIMITS_DIR` (default: cargo's target tmp dir), the ceiling for
//!   `--fsync always`;
//! - **fsync'd sequential write**: bytes per second written in 1 MiB appends with an
//!   `fdatasync` after each, in the same directory: the ceiling for what `--fsync always`
//!   can take in when every flush carries a large batch.
//!
//! `cargo bench -p minikafka --bench limits` prints them and writes JSON to
//! `MINIKAFKA_LIMITS_OUT` (default `target/bench/limits.json`). Each (but first touch's
//! first figure) is the best of three runs: a limit is what the machine *can* do, and noise only ever makes it look smaller.

use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn best_of_three(mut measure: impl FnMut() -> f64) -> f64 {
    (0..3).map(|_| measure()).fold(0.0, f64::max)
}

/// Bytes per second copied between two 64 MiB buffers.
fn memcpy() -> f64 {
    const SIZE: usize = 64 << 20;
    let src: Vec<u8> = (0..SIZE).map(|i| i as u8).collect();
    let mut dst = vec![0u8; SIZE];
    dst.copy_from_slice(&src); // fault the pages in before timing
    best_of_three(|| {
        let start = Instant::now();
        let mut copied = 0usize;
        while start.elapsed() < Duration::from_millis(500) {
            dst.copy_from_slice(std::hint::black_box(&src));
            copied += SIZE;
        }
        std::hint::black_box(&dst);
        copied as f64 / start.elapsed().as_secs_f64()
    })
}

/// Bytes per second written, 1 MiB at a time, into 1 GiB of memory never touched before:
/// the first of three runs and the best. They differ where the host backs a virtual
/// machine's memory lazily: the first run's pages come back from the host, the later ones
/// may reuse pages the first run just gave back to the kernel.
fn first_touch() -> (f64, f64) {
    const SIZE: usize = 1 << 30;
    const CHUNK: usize = 1 << 20;
    let chunk = vec![7u8; CHUNK];
    let rates: Vec<f64> = (0..3)
        .map(|_| {
            // A fresh allocation this large is its own mapping: its pages are not yet there.
            let mut fresh: Vec<u8> = Vec::with_capacity(SIZE);
            let start = Instant::now();
            for _ in 0..SIZE / CHUNK {
                fresh.extend_from_slice(std::hint::black_box(&chunk));
            }
            std::hint::black_box(&fresh);
            SIZE as f64 / start.elapsed().as_secs_f64()
        })
        .collect();
    (rates[0], rates.iter().copied().fold(0.0, f64::max))
}

/// Bytes per second over one loopback TCP connection, 64 KiB writes.
fn loopback() -> std::io::Result<f64> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let reader = std::thread::spawn(move || -> std::io::Result<u64> {
        let (mut socket, _) = listener.accept()?;
        let mut buf = vec![0u8; 256 << 10];
        let mut total = 0u64;
        loop {
            match socket.read(&mut buf)? {
                0 => return Ok(total),
                n => total += n as u64,
            }
        }
    });
    let mut socket = TcpStream::connect(addr)?;
    let chunk = vec![7u8; 64 << 10];
    let mut rates = Vec::new();
    for _ in 0..3 {
        let start = Instant::now();
        let mut sent = 0u64;
        while start.elapsed() < Duration::from_millis(700) {
            socket.write_all(&chunk)?;
            sent += chunk.len() as u64;
        }
        rates.push(sent as f64 / start.elapsed().as_secs_f64());
    }
    drop(socket);
    reader.join().expect("reader thread")?;
    Ok(rates.into_iter().fold(0.0, f64::max))
}

/// fdatasync calls per second after 4 KiB appends, in `dir`.
fn fsync(dir: &std::path::Path) -> std::io::Result<f64> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join("minikafka-fsync-probe");
    let mut rates = Vec::new();
    for _ in 0..3 {
        let mut file = OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(true)
            .open(&path)?;
        let block = [1u8; 4096];
        let start = Instant::now();
        let mut syncs = 0u64;
        while start.elapsed() < Duration::from_millis(700) {
            file.write_all(&block)?;
            file.sync_data()?;
            syncs += 1;
        }
        rates.push(syncs as f64 / start.elapsed().as_secs_f64());
    }
    let _ = std::fs::remove_file(&path);
    Ok(rates.into_iter().fold(0.0, f64::max))
}

/// Bytes per second appended in 1 MiB writes with an fdatasync after each, in `dir`.
fn fsync_write(dir: &std::path::Path) -> std::io::Result<f64> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join("minikafka-fsync-write-probe");
    let block: Vec<u8> = (0..1usize << 20).map(|i| (i * 31) as u8).collect();
    let mut rates = Vec::new();
    for _ in 0..3 {
        let mut file = OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(true)
            .open(&path)?;
        let start = Instant::now();
        let mut written = 0u64;
        while start.elapsed() < Duration::from_millis(700) {
            file.write_all(&block)?;
            file.sync_data()?;
            written += block.len() as u64;
        }
        rates.push(written as f64 / start.elapsed().as_secs_f64());
    }
    let _ = std::fs::remove_file(&path);
    Ok(rates.into_iter().fold(0.0, f64::max))
}

fn main() -> std::io::Result<()> {
    // `cargo bench` passes `--bench` (and any filter); this program measures everything.
    let dir = std::env::var_os("MINIKAFKA_LIMITS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")));
    let out = std::env::var_os("MINIKAFKA_LIMITS_OUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
                .join("..")
                .join("bench")
                .join("limits.json")
        });
    eprintln!("[limits] memcpy (64 MiB buffers, best of 3)...");
    let memcpy = memcpy();
    eprintln!("[limits] memcpy: {:.2} GB/s", memcpy / 1e9);
    let (first_touch, first_touch_best) = first_touch();
    eprintln!(
        "[limits] first touch (writing 1 GiB of fresh memory): {:.2} GB/s the first time, {:.2} GB/s at best of 3",
        first_touch / 1e9,
        first_touch_best / 1e9
    );
    let loopback = loopback()?;
    eprintln!(
        "[limits] loopback TCP, one connection, 64 KiB writes: {:.0} MB/s",
        loopback / 1e6
    );
    let fsyncs = fsync(&dir)?;
    eprintln!(
        "[limits] fdatasync after 4 KiB appends in {}: {:.0}/s",
        dir.display(),
        fsyncs
    );
    let fsync_write = fsync_write(&dir)?;
    eprintln!(
        "[limits] 1 MiB appends with fdatasync after each in {}: {:.0} MB/s",
        dir.display(),
        fsync_write / 1e6
    );
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let json = format!(
        "{{\"memcpy_bytes_per_s\": {memcpy:.0}, \"first_touch_bytes_per_s\": {first_touch:.0}, \
         \"first_touch_best_bytes_per_s\": {first_touch_best:.0}, \
         \"loopback_bytes_per_s\": {loopback:.0}, \
         \"fsyncs_per_s\": {fsyncs:.1}, \"fsync_write_bytes_per_s\": {fsync_write:.0}, \
         \"fsync_dir\": {:?}, \"cpus\": {}}}\n",
        dir.display().to_string(),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    std::fs::write(&out, json)?;
    eprintln!("[limits] wrote {}", out.display());
    Ok(())
}
