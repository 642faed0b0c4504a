#pragma once
// Easel's small JSON file beside a model for what the model's own files cannot say (docs/models.md,
// "Sidecar files"): NAME.easel.json beside a single-file checkpoint NAME.safetensors, or easel.json in
// a diffusers folder.
//
//   {"text_encoder": {"num_attention_heads": 4},            a text_encoder/config.json object
//    "text_encoder_2": {"num_attention_heads": 2},          SDXL's text_encoder_2/config.json object
//    "unet": {"norm_num_groups": 8, "attention_head_dim": 4}, a unet/config.json object
//    "vae": {"norm_num_groups": 8, "scaling_factor": 0.18215},
//    "scheduler": {"_class_name": "EulerDiscreteScheduler", "prediction_type": "epsilon", …},
//    "config": "../sd1",                                     a diffusers folder giving the sections left out
//    "tokenizer": "../tokenizer",                            a folder of tokenizer files
//    "base": "sd1"}                                          the model that completes a UNet-only one
//
// As diffusers' from_single_file(config=…) takes a folder of configs, the sections are the diffusers
// files' own objects (unknown fields are ignored, as diffusers ignores them), read by the same
// validating readers (model_config.hpp). A diffusers folder's easel.json may only name its base. Keys
// starting with "_" are comments; any other key is an error, so a misspelt one is never ignored.
// Torch-free.
#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace easel::diffusion {

struct ModelSidecar {
  std::filesystem::path file;  // where it was read from
  // Config objects of a single file's components; null where the sidecar (and its config folder) give none.
  nlohmann::json text_encoder;
  nlohmann::json text_encoder_2;
  nlohmann::json unet;
  nlohmann::json vae;
  nlohmann::json scheduler;
  std::filesystem::path tokenizer;  // a folder of tokenizer files; empty: not given
  // The model whose text encoder, tokenizer and VAE (and scheduler, when it has none) complete this
  // one: a model name, or a path (written "./…", "../…" or "/…", relative to the sidecar's folder).
  std::string base_name;
  std::filesystem::path base_path;
  bool names_base() const { return !base_name.empty() || !base_path.empty(); }
};

// X.safetensors → X.easel.json beside it; a folder → FOLDER/easel.json.
std::filesystem::path sidecar_path(const std::filesystem::path& model);

// The model's sidecar, or nullopt when it has none. Error(input) naming the sidecar when it cannot be
// read, a section is invalid, or it says what its kind of model may not. `config` and relative paths
// are resolved against the sidecar's folder; the config folder's files fill the sections left out.
std::optional<ModelSidecar> read_sidecar(const std::filesystem::path& model);

// The checks and paths of read_sidecar on parsed JSON, without reading the config folder (the fuzz
// target calls this); `file` names the sidecar in errors and anchors relative paths.
ModelSidecar parse_sidecar(const nlohmann::json& json, const std::filesystem::path& file, bool single_file);

}  // namespace easel::diffusion
