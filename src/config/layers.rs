//! The first stage: the configuration layers, in order, each named so errors can say
//! where a value came from: the built-in defaults, `default.toml`, `$ATTACHE_ENV.toml`,
//! `local.toml`, `DISCORD_TOKEN`, then `ATTACHE__SECTION__KEY` variables. A key that
//! the defaults do not have is refused, naming its layer.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use config::{Config, Environment, File, FileFormat, Map, Source, Value, ValueKind};

use super::raw::RawSettings;
use super::{ConfigError, DEFAULTS};

/// Environment variables `ATTACHE__SECTION__KEY` set `section.key`.
const ENV_PREFIX: &str = "ATTACHE";

/// One configuration layer, for naming where a value came from.
pub(super) struct Layer {
    pub(super) name: String,
    pub(super) config: Config,
}

fn file_layer(path: &Path) -> Result<Layer, ConfigError> {
    let config = Config::builder()
        .add_source(File::from(path).format(FileFormat::Toml))
        .build()?;
    Ok(Layer {
        name: path.display().to_string(),
        config,
    })
}

/// Every `section.key` a layer sets.
fn keys(config: &Config) -> Result<BTreeSet<String>, ConfigError> {
    keys_where(config, |_| true)
}

/// The keys whose environment variable is a comma-separated list: those the built-in
/// defaults give a list, so a new list setting is one without being named anywhere else.
pub(super) fn list_keys() -> BTreeSet<String> {
    let defaults = Config::builder()
        .add_source(File::from_str(DEFAULTS, FileFormat::Toml))
        .build()
        .expect("the built-in defaults parse (a unit test reads them)");
    keys_where(&defaults, |v| matches!(v, ValueKind::Array(_)))
        .expect("the built-in defaults parse (a unit test reads them)")
}

fn keys_where(
    config: &Config,
    keep: impl Fn(&ValueKind) -> bool,
) -> Result<BTreeSet<String>, ConfigError> {
    fn walk(
        prefix: &str,
        table: &Map<String, Value>,
        keep: &dyn Fn(&ValueKind) -> bool,
        out: &mut BTreeSet<String>,
    ) {
        for (k, v) in table {
            let key = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            match &v.kind {
                ValueKind::Table(t) if !t.is_empty() => walk(&key, t, keep, out),
                kind => {
                    if keep(kind) {
                        out.insert(key);
                    }
                }
            }
        }
    }
    let mut out = BTreeSet::new();
    walk("", &config.collect()?, &keep, &mut out);
    Ok(out)
}

/// The layers of `dir` and `env`, later ones winning, with no unknown key.
pub(super) fn layers(dir: &Path, env: &HashMap<String, String>) -> Result<Vec<Layer>, ConfigError> {
    let mut layers = Vec::new();
    let default_path = dir.join("default.toml");
    let defaults = Config::builder()
        .add_source(File::from_str(DEFAULTS, FileFormat::Toml))
        .build()?;
    layers.push(Layer {
        name: "the built-in defaults".into(),
        config: defaults,
    });
    if default_path.is_file() {
        layers.push(file_layer(&default_path)?);
    }
    if let Some(name) = env.get("ATTACHE_ENV").filter(|n| !n.is_empty()) {
        let path = dir.join(format!("{name}.toml"));
        if path.is_file() {
            layers.push(file_layer(&path)?);
        }
    }
    let local = dir.join("local.toml");
    if local.is_file() {
        layers.push(file_layer(&local)?);
    }
    // The name every Discord bot and hosting guide uses, below our own prefix.
    if let Some(token) = env.get("DISCORD_TOKEN").filter(|t| !t.trim().is_empty()) {
        let config = Config::builder()
            .set_override("discord.token", token.as_str())?
            .build()?;
        layers.push(Layer {
            name: "environment variable DISCORD_TOKEN".into(),
            config,
        });
    }
    let env_map: Map<String, String> = env.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let mut env_source = Environment::with_prefix(ENV_PREFIX)
        .prefix_separator("__")
        .separator("__")
        .try_parsing(true)
        .list_separator(",")
        .source(Some(env_map));
    for key in list_keys() {
        env_source = env_source.with_list_parse_key(&key);
    }
    layers.push(Layer {
        name: "environment variables (ATTACHE__…)".into(),
        config: Config::builder().add_source(env_source.clone()).build()?,
    });

    let allowed = keys(&layers[0].config)?;
    for layer in &layers[1..] {
        for key in keys(&layer.config)? {
            if !allowed.contains(&key) {
                let origin = if layer.name.starts_with("environment") {
                    format!(
                        "environment variable {ENV_PREFIX}__{}",
                        key.replace('.', "__").to_uppercase()
                    )
                } else {
                    layer.name.clone()
                };
                return Err(ConfigError::UnknownKey { key, origin });
            }
        }
    }

    Ok(layers)
}

/// The layers merged into raw values.
pub(super) fn merge(layers: &[Layer]) -> Result<RawSettings, ConfigError> {
    let mut builder = Config::builder();
    for layer in layers {
        builder = builder.add_source(layer.config.clone());
    }
    Ok(builder.build()?.try_deserialize()?)
}
