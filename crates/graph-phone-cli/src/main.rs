//! `graph-phone`: the phone numbers users register for multi-factor sign-in in Microsoft
//! Entra ID, from the command line, over `graph-phone-client`. For helpdesk staff (one user
//! at a time: `list`, `show`, `set`, `delete`, `enable-sms`, `disable-sms`, `methods`) and
//! campaign operators (`export` the current phones of a list of users; `plan` and `apply` a
//! CSV or JSON file of desired phones).
//!
//! Phone numbers and user principal names are masked in everything it prints unless
//! `--show-numbers` is given; `--json` prints machine-readable output; the exit code says
//! what happened (see [`exit`]).

mod auth;
mod campaign;
mod exit;
mod input;
mod output;
mod progress;
mod single;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::exit::Failure;

/// Shown at the end of `--help`.
const AFTER_HELP: &str = "\
Exit codes:
  0  done (for plan/apply/export: every user)
  1  Graph refused or failed the request for some or all users (details printed)
  2  usage or input error: bad option, unreadable or invalid input file; nothing was sent
  3  authentication: no token could be obtained, or Graph answered 401 or 403
  4  Graph unavailable: throttled or failing after every retry, timeout, connection error
  5  local failure: an output or journal file could not be written or read

Phone numbers and user principal names are masked in everything printed unless
--show-numbers is given.";

/// Manage the phone numbers users register for MFA in Microsoft Entra ID, through
/// Microsoft Graph.
#[derive(Debug, Parser)]
#[command(name = "graph-phone", version, after_help = AFTER_HELP)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
struct Global {
    #[command(flatten)]
    auth: auth::AuthArgs,
    /// The national cloud: its Graph endpoint, sign-in authority and the operations it has.
    #[arg(long, global = true, value_enum, default_value_t = CloudArg::Global, env = "GRAPH_PHONE_CLOUD")]
    cloud: CloudArg,
    /// Another Graph endpoint, with its version path (the emulator:
    /// `http://127.0.0.1:PORT/v1.0`); the cloud's rules and token scope still apply.
    #[arg(long, global = true, env = "GRAPH_PHONE_BASE_URL", value_name = "URL")]
    base_url: Option<String>,
    /// Print phone numbers and user principal names in full (masked otherwise).
    #[arg(long, global = true)]
    show_numbers: bool,
    /// Machine-readable JSON on stdout (and no progress bar).
    #[arg(long, global = true)]
    json: bool,
    /// No progress bar (it is shown only on a terminal anyway).
    #[arg(long, global = true)]
    no_progress: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum CloudArg {
    /// graph.microsoft.com
    Global,
    /// US Government L4 (GCC High): graph.microsoft.us
    #[value(name = "usgov-l4")]
    UsGovL4,
    /// US Government L5 (DOD): dod-graph.microsoft.us
    #[value(name = "usgov-l5", alias = "usgov-l5-dod")]
    UsGovL5,
    /// Microsoft Graph China, operated by 21Vianet
    China,
}

impl CloudArg {
    fn cloud(self) -> graph_phone_client::Cloud {
        use graph_phone_client::Cloud;
        match self {
            CloudArg::Global => Cloud::Global,
            CloudArg::UsGovL4 => Cloud::UsGovL4,
            CloudArg::UsGovL5 => Cloud::UsGovL5Dod,
            CloudArg::China => Cloud::China,
        }
    }
}

/// A phone method's type, as Graph names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum PhoneTypeArg {
    /// The mobile phone (the only one usable for SMS sign-in).
    Mobile,
    /// The alternate mobile phone (needs a mobile).
    #[value(name = "alternateMobile", alias = "alternate-mobile")]
    AlternateMobile,
    /// The office phone.
    Office,
}

impl PhoneTypeArg {
    fn phone_type(self) -> graph_phone_client::reconcile::PhoneType {
        use graph_phone_client::reconcile::PhoneType;
        match self {
            PhoneTypeArg::Mobile => PhoneType::Mobile,
            PhoneTypeArg::AlternateMobile => PhoneType::AlternateMobile,
            PhoneTypeArg::Office => PhoneType::Office,
        }
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List a user's phone methods.
    List {
        /// Object id or user principal name; `me` for the signed-in user (delegated token).
        user: String,
    },
    /// Show one phone method of a user.
    Show {
        /// Object id or user principal name; `me` for the signed-in user.
        user: String,
        /// Which phone.
        #[arg(value_enum)]
        phone_type: PhoneTypeArg,
    },
    /// Set a user's phone of a type: create it, or update its number (unchanged when equal).
    Set {
        /// Object id or user principal name.
        user: String,
        /// Which phone.
        #[arg(value_enum)]
        phone_type: PhoneTypeArg,
        /// The number, in Graph's format: `+{country code} {number}[x{extension}]`, e.g.
        /// "+1 2065550100".
        number: String,
    },
    /// Delete a user's phone of a type.
    Delete {
        /// Object id or user principal name; `me` for the signed-in user.
        user: String,
        /// Which phone.
        #[arg(value_enum)]
        phone_type: PhoneTypeArg,
    },
    /// Enable SMS sign-in on a user's mobile phone.
    EnableSms {
        /// Object id or user principal name; `me` for the signed-in user.
        user: String,
    },
    /// Disable SMS sign-in on a user's mobile phone.
    DisableSms {
        /// Object id or user principal name; `me` for the signed-in user.
        user: String,
    },
    /// List every authentication method of a user (all kinds, not only phones).
    Methods {
        /// Object id or user principal name; `me` for the signed-in user.
        user: String,
    },
    /// Export the current phones of the users of a file, in the input format of `plan`.
    Export {
        /// CSV or JSON file with a `user` column or key (other columns are ignored).
        file: PathBuf,
        /// Output format; CSV unless `--json` is given.
        #[arg(long, value_enum)]
        format: Option<input::Format>,
        /// Write to this file instead of stdout.
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Users read at once.
        #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
        concurrency: u16,
    },
    /// Show the writes that would take every user of a file to their desired phones
    /// (reads only).
    Plan {
        /// CSV or JSON file, one row per user: user,mobile,alternateMobile,office,smsSignIn.
        file: PathBuf,
        /// Users read at once.
        #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=256))]
        concurrency: u16,
    },
    /// Take every user of a file to their desired phones, crash-safe: each run re-reads
    /// and replans, so a killed run is finished by running the same command again; the
    /// report covers every run recorded in the journal.
    Apply {
        /// CSV or JSON file, one row per user: user,mobile,alternateMobile,office,smsSignIn.
        file: PathBuf,
        /// The progress journal (created if missing; default FILE.journal). It holds user
        /// principal names and numbers: keep it like the input file.
        #[arg(long, value_name = "FILE")]
        journal: Option<PathBuf>,
        /// Reads, and writes, in flight at once.
        #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=256))]
        concurrency: u16,
        /// Requests per JSON batch (Graph takes at most 20); 1 sends every write in a batch
        /// of its own.
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u8).range(1..=20))]
        batch_size: u8,
        /// Passes of read, plan and write in this run (users whose write had an unknown
        /// outcome are read again and replanned in the next pass).
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=20))]
        max_passes: u32,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(exit::LOCAL);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            eprintln!("error: {failure}");
            ExitCode::from(failure.code())
        }
    }
}

/// Runs the command; `Ok` carries the exit code of a command that ran to its end (1 when
/// some users failed), `Err` a failure that stopped it.
async fn run(cli: Cli) -> Result<u8, Failure> {
    let g = &cli.global;
    let out = output::Output::new(g.show_numbers, g.json);
    let progress = progress::Progress::new(g.json || g.no_progress);
    // Input files are read (and refused) before any credential is asked for.
    let export_rows = match &cli.command {
        Command::Export { file, .. } => Some(input::read_users(file)?),
        _ => None,
    };
    let desired_rows = match &cli.command {
        Command::Plan { file, .. } | Command::Apply { file, .. } => {
            Some(input::read_desired(file)?)
        }
        _ => None,
    };
    let client = auth::client(&g.auth, g.cloud.cloud(), g.base_url.as_deref()).await?;
    match cli.command {
        Command::List { user } => single::list(&client, &out, &user).await,
        Command::Show { user, phone_type } => {
            single::show(&client, &out, &user, phone_type.phone_type()).await
        }
        Command::Set {
            user,
            phone_type,
            number,
        } => single::set(&client, &out, &user, phone_type.phone_type(), &number).await,
        Command::Delete { user, phone_type } => {
            single::delete(&client, &out, &user, phone_type.phone_type()).await
        }
        Command::EnableSms { user } => single::sms(&client, &out, &user, true).await,
        Command::DisableSms { user } => single::sms(&client, &out, &user, false).await,
        Command::Methods { user } => single::methods(&client, &out, &user).await,
        Command::Export {
            format,
            output,
            concurrency,
            ..
        } => {
            let format = format.unwrap_or(if g.json {
                input::Format::Json
            } else {
                input::Format::Csv
            });
            let users = export_rows.expect("read above");
            single::export(
                &client,
                &out,
                &progress,
                users,
                format,
                output.as_deref(),
                usize::from(concurrency),
            )
            .await
        }
        Command::Plan { file, concurrency } => {
            let rows = desired_rows.expect("read above");
            campaign::plan(
                &client,
                &out,
                &progress,
                rows,
                &file,
                usize::from(concurrency),
            )
            .await
        }
        Command::Apply {
            file,
            journal,
            concurrency,
            batch_size,
            max_passes,
        } => {
            let rows = desired_rows.expect("read above");
            let journal = journal.unwrap_or_else(|| campaign::default_journal(&file));
            campaign::apply(
                &client,
                &out,
                &progress,
                rows,
                &journal,
                usize::from(concurrency),
                usize::from(batch_size),
                max_passes,
            )
            .await
        }
    }
}
