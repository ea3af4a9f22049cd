//! `mlops init`, `add`, `alias`, `show`, `log`, `get`, `tag`, `lineage`,
//! `archive`, `verify`, `list`, `search`: assets, versions and their history.

use std::process::ExitCode;

use mlops_core::Error;

use super::Context;
use crate::args::{AliasCommand, RegistryCommand};
use crate::render;

/// Runs one registry command.
pub fn run(cmd: RegistryCommand, cx: &Context) -> Result<ExitCode, Error> {
    match cmd {
        RegistryCommand::Init => {
            let s = mlops_core::store::Store::open(&cx.store)?;
            println!("store {}", s.url());
        }
        RegistryCommand::Add {
            kind,
            name,
            file,
            message,
            meta,
        } => {
            let metadata: serde_json::Value = match meta {
                Some(m) => serde_json::from_str(&m)
                    .map_err(|e| Error::InvalidInput(format!("--meta is not JSON: {e}")))?,
                None => serde_json::Value::Object(Default::default()),
            };
            // The engine decides what the file becomes (a data file added as
            // a dataset is committed as data), as for every front-end.
            let v = cx.open()?.add_path(
                kind,
                &name,
                &file,
                mlops_core::unset::message(message.as_deref()),
                metadata,
            )?;
            println!("{v}");
        }
        RegistryCommand::Alias {
            command:
                Some(AliasCommand::History {
                    kind,
                    name,
                    alias,
                    json,
                }),
            ..
        } => {
            for m in cx.open()?.alias_history(kind, &name, &alias)? {
                print!("{}", render::json_or(json, &m, render::alias_move));
            }
        }
        RegistryCommand::Alias {
            kind: Some(kind),
            name: Some(name),
            alias: Some(alias),
            version: Some(version),
            ..
        } => cx.open()?.set_alias(kind, &name, &alias, version)?,
        // clap requires all four when there is no subcommand.
        RegistryCommand::Alias { .. } => unreachable!("clap requires the alias arguments"),
        RegistryCommand::Show { kind, name, json } => {
            let a = cx.open()?.asset(kind, &name)?;
            print!("{}", render::json_or(json, &a, render::asset));
        }
        RegistryCommand::Log { kind, name, json } => {
            for e in cx.open()?.history(kind, &name)? {
                print!("{}", render::json_or(json, &e, render::history_line));
            }
        }
        RegistryCommand::Get {
            kind,
            name,
            reference,
            output,
        } => {
            let r = cx.open()?;
            match output {
                Some(out) => {
                    // Streamed to a sibling temporary file, renamed when complete and verified.
                    let tmp = out.with_extension(format!("tmp{}", std::process::id()));
                    let f = std::fs::File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
                    let done = r.get_to(kind, &name, &reference, std::io::BufWriter::new(f));
                    match done {
                        Ok(_) => std::fs::rename(&tmp, &out).map_err(|e| Error::io(&out, e))?,
                        Err(e) => {
                            let _ = std::fs::remove_file(&tmp);
                            return Err(e);
                        }
                    }
                }
                None => {
                    r.get_to(kind, &name, &reference, std::io::stdout().lock())?;
                }
            }
        }
        RegistryCommand::Tag {
            kind,
            name,
            version,
            key,
            value,
            remove,
        } => {
            if !remove && value.is_none() {
                return Err(Error::InvalidInput(
                    "give the tag's value, or --remove".into(),
                ));
            }
            let value = if remove { None } else { value.as_deref() };
            cx.open()?.set_tag(kind, &name, version, &key, value)?;
        }
        RegistryCommand::Lineage {
            product,
            inputs,
            run,
            commit,
            cause,
        } => {
            let cause: Option<mlops_core::monitor::RetrainCause> =
                cause.as_deref().map(str::parse).transpose()?;
            cx.open()?.record_lineage_caused(
                &product,
                &inputs,
                run.as_deref(),
                commit.as_deref(),
                cause.as_ref(),
            )?;
        }
        RegistryCommand::Archive {
            kind,
            name,
            restore,
        } => cx.open()?.set_archived(kind, &name, !restore)?,
        RegistryCommand::Verify { kind, name } => {
            let events = cx.open()?.verify(kind, &name)?;
            println!(
                "{} '{name}': {events} events, hash chain and indexes intact",
                kind.as_str()
            );
        }
        RegistryCommand::List { kind, all } => {
            for n in cx.open()?.list(kind, all)? {
                println!("{n}");
            }
        }
        RegistryCommand::Search {
            query,
            all,
            limit: None,
            page_token: None,
        } => {
            for hit in cx.open()?.search(&query, all)? {
                println!("{hit}");
            }
        }
        RegistryCommand::Search {
            query,
            all,
            limit,
            page_token,
        } => {
            let limit = limit.unwrap_or(mlops_core::registry::DEFAULT_PAGE_LIMIT);
            let page = cx
                .open()?
                .search_page(&query, all, limit, page_token.as_deref())?;
            for hit in &page.hits {
                println!("{hit}");
            }
            if let Some(t) = page.next_page_token {
                eprintln!("next page token: {t}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
