//! Minimal CLI for the grouping branch; replaced by the service's main at merge.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "minyi", about = "民意 — residents' deliberation hall")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Group a JSON-lines file of suggestions into topics.
    Group {
        #[arg(long)]
        input: PathBuf,
        #[arg(long)]
        output: PathBuf,
        /// Engine parameters (JSON); defaults otherwise.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Group a labelled file and score the grouping against a label field.
    Eval {
        #[arg(long)]
        input: PathBuf,
        #[arg(long)]
        label_field: String,
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

fn main() -> anyhow::Result<()> {
    use minyi::cli::grouping::{load_config, run_eval, run_group};
    match Cli::parse().command {
        Command::Group {
            input,
            output,
            config,
        } => run_group(&input, &output, &load_config(config.as_deref())?),
        Command::Eval {
            input,
            label_field,
            config,
        } => {
            let report = run_eval(&input, &label_field, &load_config(config.as_deref())?)?;
            println!("{report}");
            Ok(())
        }
    }
}
