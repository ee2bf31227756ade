//! The project's task runner: a thin front end over the `graph-codegen` library.
//!
//! It parses flags, reads inputs from `spec/`, calls the library, and writes files through
//! the one write path in [`files`]. No generation logic lives here.

mod bench;
mod codegen;
mod files;
mod full_types;
mod semver;
mod semver_corpus;
mod soak;
mod spec_diff;
mod trim;
mod update_spec;

use clap::{Parser, Subcommand};

// The generator allocates many small strings and nodes; with the system allocator malloc
// and free were about a quarter of a pipeline profile (see BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "cargo xtask", about = "graph-phone development tasks")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Regenerate every generated file from the checked-in spec/ (or check them with --check).
    Codegen(codegen::CodegenArgs),
    /// Cut the slice of spec/slice.toml out of the full metadata into spec/ (or check it).
    Trim(trim::TrimArgs),
    /// Compare two versions of the slice (two files, or --base REV against the working tree):
    /// a classified report of breaking, additive and documentation changes.
    SpecDiff(spec_diff::SpecDiffArgs),
    /// Take new upstream metadata: copy it into spec/upstream/, re-trim, regenerate, and print
    /// the spec diff against the previous spec.
    UpdateSpec(update_spec::UpdateSpecArgs),
    /// The full fault and load run against the emulator (the ignored `soak_full` test of
    /// graph-phone-client, in release): 64 tasks, 10,000 operations, 20 % faults.
    Soak(soak::SoakArgs),
    /// Every benchmark (codegen pipeline, client, paging memory, consumers' build cost,
    /// bulk registration under throttling), each against a baseline measured in the same
    /// run; prints one table. Groups: codegen, client, paging, build, bulk.
    Bench(bench::BenchArgs),
    /// Run the change corpus (xtask/tests/spec-changes/cases.toml) through the spec diff and
    /// cargo-semver-checks, and record both verdicts in xtask/tests/spec-changes/verdicts.toml.
    SemverCorpus(semver_corpus::CorpusArgs),
    /// The types of the whole Graph v1.0 metadata as a throwaway crate under
    /// target/full-v1/ (the generator's scale test); --check or --build compiles it.
    FullTypes(full_types::FullTypesArgs),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Codegen(args) => codegen::run(args),
        Command::Trim(args) => trim::run(args),
        Command::SpecDiff(args) => spec_diff::exit(spec_diff::run(args)),
        Command::UpdateSpec(args) => update_spec::run(args),
        Command::Soak(args) => soak::run(args),
        Command::Bench(args) => bench::run(args),
        Command::SemverCorpus(args) => semver_corpus::run(args),
        Command::FullTypes(args) => full_types::run(args),
    }
}
