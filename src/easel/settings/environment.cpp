#include "easel/settings/environment.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <string_view>

#include "easel/core/error.hpp"
#include "easel/models/model_store.hpp"

namespace easel::settings {
namespace {

std::string environment_value(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

}  // namespace

std::string default_model_from_environment() { return environment_value("EASEL_MODEL"); }

SegmenterSettings segmenter_from_environment() {
  SegmenterSettings settings;
  settings.policy = parse_segmenter_policy(environment_value("EASEL_SEGMENTATION"), "EASEL_SEGMENTATION");
  settings.network_file = environment_value("EASEL_SEGMENTATION_MODEL");
  try {
    settings.folder = models::models_dir() / "segmentation";
  } catch (const Error&) {
    // No models directory (neither EASEL_MODELS nor HOME): no network is installed, and
    // segmentation_engine says so when one is required.
  }
  return settings;
}

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
    throw Error(ErrorKind::usage,
                "EASEL_THREADS '" + value +
                    "' is not a thread count: use a whole number from 1 to 1024 (unset: every hardware thread)");
  }
  return threads;
}

std::filesystem::path tokenizer_dir_from_environment() {
  const std::string tokenizer = environment_value("EASEL_TOKENIZER");
  return !tokenizer.empty() ? std::filesystem::path(tokenizer) : models::models_dir() / "tokenizer";
}

std::filesystem::path server_data_dir_from_environment() {
  if (const std::string data = environment_value("XDG_DATA_HOME"); !data.empty())
    return std::filesystem::path(data) / "easel" / "server";
  if (const std::string home = environment_value("HOME"); !home.empty())
    return std::filesystem::path(home) / ".local" / "share" / "easel" / "server";
  throw Error(ErrorKind::usage, "serve: give --data DIR (neither XDG_DATA_HOME nor HOME is set)");
}

std::vector<std::string> api_keys_from_environment() {
  const std::string list = environment_value("EASEL_API_KEYS");
  std::vector<std::string> keys;
  for (std::size_t start = 0; start < list.size();) {
    const auto comma = std::min(list.find(',', start), list.size());
    if (comma > start) keys.push_back(list.substr(start, comma - start));
    start = comma + 1;
  }
  return keys;
}

std::string test_crash_on_job_from_environment() { return environment_value("EASEL_TEST_CRASH_ON_JOB"); }

}  // namespace easel::settings
