#pragma once
// Every setting Easel takes from the environment, read here and only here (docs/cli.md lists them). The
// doors (the commands and `easel serve`) pass what they read on explicitly: a RunContext to the edit
// flow, options to the engine and the server. A bad value is an Error(usage) naming the variable.
#include <filesystem>
#include <string>
#include <vector>

#include "easel/diffusion/precision.hpp"
#include "easel/models/model_paths.hpp"
#include "easel/ops/run_context.hpp"

namespace easel::settings {

// EASEL_MODEL: the diffusion model of generative steps that name none (empty when unset).
std::string default_model_from_environment();

// Where models are: the models directory, EASEL_MODELS, else $XDG_DATA_HOME/easel/models, else
// ~/.local/share/easel/models (none without HOME); the Hugging Face cache, HF_HUB_CACHE, else
// HUGGINGFACE_HUB_CACHE (its older name), else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else
// ~/.cache/huggingface/hub (huggingface_hub's order). An empty variable counts as unset.
models::ModelPaths model_paths_from_environment();

// The hub `easel models pull` downloads from: HF_ENDPOINT (unset or empty: https://huggingface.co) and
// the access token HF_TOKEN.
models::HubSettings hub_from_environment();

// The segmenter: EASEL_SEGMENTATION (auto, the default; model; fallback), the networks in the models
// directory's segmentation/ folder, or the one file EASEL_SEGMENTATION_MODEL names.
SegmenterSettings segmenter_from_environment(const models::ModelPaths& paths);

// The context of an edit run from the command line: `model` (--model) or else EASEL_MODEL, the
// segmenter, and how to name a model in this door's words.
RunContext cli_run_context(const std::string& model, const models::ModelPaths& paths);

// EASEL_PRECISION (unset or empty: fp32).
diffusion::Precision precision_from_environment();

// EASEL_THREADS (unset or empty: 0, every hardware thread): LibTorch's threads while generating.
int threads_from_environment();

// EASEL_TOKENIZER, else tokenizer/ in the models directory: tokenizer files for models without their own.
// Error(capability) when neither is set.
std::filesystem::path tokenizer_dir_from_environment(const models::ModelPaths& paths);

// The server's data folder when --data is not given: ${XDG_DATA_HOME:-~/.local/share}/easel/server.
std::filesystem::path server_data_dir_from_environment();

// EASEL_API_KEYS: comma-separated API keys (kept out of `ps`, unlike --api-key).
std::vector<std::string> api_keys_from_environment();

// EASEL_TEST_CRASH_ON_JOB (tests only): an edit job with exactly this prompt aborts `easel serve`.
std::string test_crash_on_job_from_environment();

}  // namespace easel::settings
