//! `minyi admin bootstrap`: the first district, street, community and admin of a fresh install.
use crate::config::Settings;
use crate::domain::text::{self, NewPassword, Username};
use crate::store::Bootstrap;
use anyhow::Context;
use clap::Subcommand;
use secrecy::ExposeSecret;

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Create (or reuse) the district, street and community, and a new admin account.
    /// The password comes from MINYI_ADMIN_PASSWORD, else it is prompted for.
    Bootstrap {
        #[arg(long)]
        district: String,
        #[arg(long)]
        street: String,
        #[arg(long)]
        community: String,
        #[arg(long)]
        username: String,
    },
}

pub async fn run(settings: Settings, command: AdminCommand) -> anyhow::Result<()> {
    match command {
        AdminCommand::Bootstrap {
            district,
            street,
            community,
            username,
        } => {
            let username = Username::parse(&username)
                .map_err(|e| anyhow::anyhow!("--username: {}", e.message))?;
            let names = [
                ("district", &district),
                ("street", &street),
                ("community", &community),
            ];
            for (field, value) in names {
                text::name(field, value)
                    .map_err(|e| anyhow::anyhow!("--{field}: {}", e.message))?;
            }
            let password = match std::env::var("MINYI_ADMIN_PASSWORD") {
                Ok(p) => p,
                Err(_) => rpassword::prompt_password("Password for the new admin: ")
                    .context("reading the password")?,
            };
            let password = NewPassword::parse(&password)
                .map_err(|e| anyhow::anyhow!("password: {}", e.message))?;
            let password_hash = crate::auth::password::hash_blocking(password.secret())?;
            let store =
                crate::store::connect(&settings.database_url(), settings.database.max_connections)
                    .await?;
            store.migrate().await?;
            let b = Bootstrap {
                district: district.trim().into(),
                street: street.trim().into(),
                community: community.trim().into(),
                username: username.as_str().into(),
                password_hash,
            };
            let ids = store.bootstrap(&b).await.map_err(|e| match e
                .downcast_ref::<crate::store::UniqueViolation>()
            {
                Some(_) => anyhow::anyhow!("an account named `{}` already exists", b.username),
                None => e,
            })?;
            let _ = password.secret().expose_secret();
            println!("{}", serde_json::to_string(&ids)?);
            Ok(())
        }
    }
}
