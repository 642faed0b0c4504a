#include "easel/model_files/model_sidecar.hpp"

#include "easel/core/error.hpp"
#include "easel/model_files/config_json.hpp"
#include "easel/model_files/model_config.hpp"

namespace easel::diffusion {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* single_file_keys = "text_encoder, text_encoder_2, unet, vae, scheduler, config, tokenizer, base";

bool is_path_form(const std::string& text) {
  return text.starts_with("./") || text.starts_with("../") || text.starts_with('/');
}

// A path the sidecar gives, anchored at its folder.
fs::path anchored(const fs::path& sidecar, const std::string& text) {
  const fs::path path(text);
  return path.is_absolute() ? path : (sidecar.parent_path() / path).lexically_normal();
}

// Each section is checked as its own reader takes it (the family's defaults are applied when the model
// is resolved; the values a section gives must be valid whatever they are combined with).
void check_section(const ConfigFields& fields, const std::string& key) {
  const json& section = fields.object().at(key);
  const std::string source = fields.source() + " section '" + key + "'";
  if (key == "text_encoder" || key == "text_encoder_2") TextEncoderConfig::from_json(section, source, {});
  if (key == "unet") UNetConfig::from_json(section, source, {});
  if (key == "vae") VaeConfig::from_json(section, source, {});
  if (key == "scheduler") SchedulerConfig::from_json(section, source);
}

}  // namespace

fs::path sidecar_path(const fs::path& model) {
  std::error_code error;
  if (fs::is_directory(model, error)) return model / "easel.json";
  fs::path file = model;
  return file.replace_extension(".easel.json");
}

ModelSidecar parse_sidecar(const json& object, const fs::path& file, bool single_file) {
  const ConfigFields fields(object, "model sidecar " + file.string());
  ModelSidecar sidecar;
  sidecar.file = file;
  for (const auto& [key, value] : object.items()) {
    if (key.starts_with('_')) continue;
    if (key == "base") {
      const std::string base = fields.text("base").value_or("");
      if (base.empty())
        fields.fail("base", "is empty; allowed: a model name (easel models list) or a path starting with ./, ../ or /");
      if (is_path_form(base)) {
        sidecar.base_path = anchored(file, base);
      } else {
        sidecar.base_name = base;
      }
    } else if (!single_file) {
      fields.fail(key,
                  "is not read: a diffusers folder's easel.json names only its base (\"base\"); its configs are its "
                  "component folders' config.json files");
    } else if (key == "text_encoder" || key == "text_encoder_2" || key == "unet" || key == "vae" ||
               key == "scheduler") {
      if (value.is_null()) continue;
      check_section(fields, key);
      (key == "text_encoder"     ? sidecar.text_encoder
       : key == "text_encoder_2" ? sidecar.text_encoder_2
       : key == "unet"           ? sidecar.unet
       : key == "vae"            ? sidecar.vae
                                 : sidecar.scheduler) = value;
    } else if (key == "tokenizer" || key == "config") {
      const std::string path = fields.text(key).value_or("");
      if (path.empty()) fields.fail(key, "is empty; allowed: a folder, relative to this file's folder");
      if (key == "tokenizer") sidecar.tokenizer = anchored(file, path);
    } else {
      fields.fail(key, std::string("is not a sidecar key; allowed: ") + single_file_keys +
                           ", and keys starting with _ for comments");
    }
  }
  return sidecar;
}

std::optional<ModelSidecar> read_sidecar(const fs::path& model) {
  const fs::path file = sidecar_path(model);
  std::error_code error;
  if (!fs::exists(file, error)) return std::nullopt;
  const json object = read_config_file(file, "model sidecar", "beside the model");
  const bool single_file = !fs::is_directory(model, error);
  ModelSidecar sidecar = parse_sidecar(object, file, single_file);
  if (!single_file || !object.contains("config")) return sidecar;
  // The config folder's files fill the sections the sidecar leaves out (diffusers' from_single_file(config=…)).
  const fs::path folder = anchored(file, object.at("config").get<std::string>());
  if (!fs::is_directory(folder, error)) {
    throw Error(ErrorKind::input, "model sidecar " + file.string() + ": field 'config' names " + folder.string() +
                                      ", which is not a folder");
  }
  const auto fill = [&](json& section, const fs::path& config_file, const std::string& key) {
    if (!section.is_null() || !fs::is_regular_file(config_file, error)) return;
    section = read_config_file(config_file, "config", "");
    check_section(ConfigFields(json{{key, section}}, "config " + config_file.string()), key);
  };
  fill(sidecar.text_encoder, folder / "text_encoder" / "config.json", "text_encoder");
  fill(sidecar.text_encoder_2, folder / "text_encoder_2" / "config.json", "text_encoder_2");
  fill(sidecar.unet, folder / "unet" / "config.json", "unet");
  fill(sidecar.vae, folder / "vae" / "config.json", "vae");
  fill(sidecar.scheduler, folder / "scheduler" / "scheduler_config.json", "scheduler");
  if (sidecar.tokenizer.empty() && fs::is_directory(folder / "tokenizer", error))
    sidecar.tokenizer = folder / "tokenizer";
  return sidecar;
}

}  // namespace easel::diffusion
