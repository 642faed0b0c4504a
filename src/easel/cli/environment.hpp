#pragma once
// Every setting Easel takes from the environment, read here and only here (docs/cli.md lists them). The
// commands pass what they read on explicitly: a RunContext to the edit flow, options to the engine and
// the server. A bad value is an Error(usage) naming the variable.
#include <filesystem>
#include <string>

#include "easel/diffusion/precision.hpp"
#include "easel/ops/run_context.hpp"

namespace easel::cli {

// EASEL_MODEL: the diffusion model of generative steps that name none (empty when unset).
std::string default_model_from_environment();

// EASEL_SEGMENTATION: auto (default), model or fallback.
SegmenterPolicy segmenter_from_environment();

// The context of an edit run from the command line: `model` (--model) or else EASEL_MODEL, the
// segmenter, and how to name a model in this door's words.
RunContext cli_run_context(const std::string& model);

// EASEL_PRECISION (unset or empty: fp32).
diffusion::Precision precision_from_environment();

// EASEL_THREADS (unset or empty: 0, every hardware thread): LibTorch's threads while generating.
int threads_from_environment();

// EASEL_TOKENIZER, else tokenizer/ in the models directory: tokenizer files for models without their own.
std::filesystem::path tokenizer_dir_from_environment();

}  // namespace easel::cli
