//! Prints generated tickets as JSON lines, to look at the data.
//!
//! `cargo run -p rounds-fixtures --example dump -- [SEED] [COUNT]` (defaults: 1, 20)

fn main() {
    let mut args = std::env::args().skip(1);
    let seed = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let count = args.next().and_then(|a| a.parse().ok()).unwrap_or(20);
    for t in rounds_fixtures::stream(seed, count) {
        println!("{}", serde_json::to_string(&t).expect("tickets serialize"));
    }
}
