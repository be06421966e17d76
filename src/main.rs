use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match minyi::cli::run(minyi::cli::Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("minyi: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
