#include "easel/cli/environment.hpp"

#include <charconv>
#include <cstdlib>
#include <string_view>

#include "easel/core/error.hpp"
#include "easel/models/model_store.hpp"

namespace easel::cli {
namespace {

std::string environment_value(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

}  // namespace

std::string default_model_from_environment() { return environment_value("EASEL_MODEL"); }

SegmenterPolicy segmenter_from_environment() { return parse_segmenter_policy(environment_value("EASEL_SEGMENTATION"), "EASEL_SEGMENTATION"); }

RunContext cli_run_context(const std::string& model) {
  RunContext context;
  context.default_model = model.empty() ? default_model_from_environment() : model;
  context.model_advice = "give --model NAME|PATH (or set EASEL_MODEL)";
  context.segmenter = segmenter_from_environment();
  return context;
}

diffusion::Precision precision_from_environment() {
  const std::string text = environment_value("EASEL_PRECISION");
  return text.empty() ? diffusion::Precision::fp32 : diffusion::parse_precision(text, "EASEL_PRECISION");
}

int threads_from_environment() {
  const std::string value = environment_value("EASEL_THREADS");
  if (value.empty()) return 0;
  int threads = 0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), threads);
  if (error != std::errc() || end != value.data() + value.size() || threads < 1 || threads > 1024) {
    throw Error(ErrorKind::usage, "EASEL_THREADS '" + value + "' is not a thread count: use a whole number from 1 to 1024 (unset: every hardware thread)");
  }
  return threads;
}

std::filesystem::path tokenizer_dir_from_environment() {
  const std::string tokenizer = environment_value("EASEL_TOKENIZER");
  return !tokenizer.empty() ? std::filesystem::path(tokenizer) : models::models_dir() / "tokenizer";
}

}  // namespace easel::cli
