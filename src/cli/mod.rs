//! The `minyi` command line: one binary, several roles.
pub mod admin;
pub mod grouping;
pub mod import;

use crate::config::Settings;
use crate::startup::{Application, Roles};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "minyi", version, about = "民意 — residents' deliberation hall")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the HTTP API, dashboard, relay and workers in one process.
    Serve {
        /// Run only the HTTP API and relay; workers run as `minyi worker`.
        #[arg(long)]
        no_workers: bool,
    },
    /// Run queue workers (and the outbox relay) only, to scale out processing.
    Worker,
    /// Apply database migrations and exit.
    Migrate,
    /// Group a JSON-lines file of suggestions into topics (one output line per input line).
    Group {
        #[arg(long)]
        input: PathBuf,
        #[arg(long)]
        output: PathBuf,
        /// Engine parameters (JSON); the defaults otherwise.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Group a labelled file and score the grouping against a label field (prints JSON).
    Eval {
        #[arg(long)]
        input: PathBuf,
        #[arg(long)]
        label_field: String,
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Import data from files.
    Import {
        #[command(subcommand)]
        command: import::ImportCommand,
    },
    /// Administration: bootstrap a fresh install.
    Admin {
        #[command(subcommand)]
        command: admin::AdminCommand,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { no_workers } => {
            let settings = load()?;
            if no_workers && settings.redis.url().is_none() {
                anyhow::bail!("`serve --no-workers` needs a shared queue: set redis.url (MINYI__REDIS__URL), or run `minyi serve` with workers");
            }
            let roles = if no_workers {
                Roles::NO_WORKERS
            } else {
                Roles::ALL
            };
            let app = Application::build(settings, roles).await?;
            app.run_until_stopped().await
        }
        Command::Worker => {
            let settings = load()?;
            let state = crate::startup::build_state(settings, None).await?;
            let tasks = crate::startup::spawn_background(&state, Roles::ALL);
            tracing::info!(queue = state.queue.kind(), "minyi worker running");
            tokio::signal::ctrl_c().await?;
            for t in tasks {
                t.abort();
            }
            Ok(())
        }
        Command::Migrate => {
            let settings = load()?;
            let store =
                crate::store::connect(&settings.database_url(), settings.database.max_connections)
                    .await?;
            store.migrate().await?;
            println!(
                "{}",
                serde_json::json!({"migrated": true, "backend": store.backend()})
            );
            Ok(())
        }
        Command::Admin { command } => admin::run(load()?, command).await,
        Command::Group {
            input,
            output,
            config,
        } => grouping::run_group(&input, &output, &grouping::load_config(config.as_deref())?),
        Command::Eval {
            input,
            label_field,
            config,
        } => {
            let report = grouping::run_eval(
                &input,
                &label_field,
                &grouping::load_config(config.as_deref())?,
            )?;
            println!("{report}");
            Ok(())
        }
        Command::Import { command } => import::run(load()?, command).await,
    }
}

fn load() -> anyhow::Result<Settings> {
    let settings = Settings::load()?;
    crate::telemetry::init(&settings.log.format, &settings.log.filter);
    Ok(settings)
}
