//! `minyi import paper FILE --batch ID`: import a CSV/XLSX file of paper forms into a batch,
//! with a progress bar; prints the report as JSON. Importing the same file twice adds nothing.
use crate::config::Settings;
use crate::domain::ids::PaperBatchId;
use crate::paper_import::{parse, Format};
use crate::store::Audit;
use anyhow::Context;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum ImportCommand {
    /// Paper forms from a CSV or XLSX file (columns: 编号, 建议内容, and optionally 标题, 楼栋,
    /// 地点, 姓名, 电话, 类别).
    Paper {
        file: PathBuf,
        #[arg(long)]
        batch: i64,
    },
}

pub async fn run(settings: Settings, command: ImportCommand) -> anyhow::Result<()> {
    let ImportCommand::Paper { file, batch } = command;
    let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
    let name = file
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let format = Format::detect(name, &bytes)
        .ok_or_else(|| anyhow::anyhow!("{} is neither CSV nor XLSX", file.display()))?;
    let parsed = parse(&bytes, format).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let store =
        crate::store::connect(&settings.database_url(), settings.database.max_connections).await?;
    store.migrate().await?;
    let batch = store
        .batch(PaperBatchId(batch))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no paper batch {batch}"))?;
    anyhow::ensure!(
        batch.status == "open",
        "paper batch {} is closed",
        batch.paper_batch_id
    );
    let words = crate::intake::sensitive_words(&settings.intake)?;
    let bar = indicatif::ProgressBar::new(parsed.accepted.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} 行 rows  {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut audit = Audit::system("cli");
    audit.actor = Some(batch.volunteer_account_id);
    audit.reason = Some(format!("import {}", file.display()));
    let report = crate::intake::paper::import(&store, &words, &batch, parsed, &audit, |n| {
        bar.set_position(n as u64)
    })
    .await?;
    bar.finish_and_clear();
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}
