#include "easel/settings/environment.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <string_view>

#include "easel/core/error.hpp"

namespace easel::settings {
namespace {

std::string environment_value(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

std::filesystem::path models_dir_from_environment() {
  if (const std::string dir = environment_value("EASEL_MODELS"); !dir.empty()) return dir;
  if (const std::string data = environment_value("XDG_DATA_HOME"); !data.empty())
    return std::filesystem::path(data) / "easel" / "models";
  if (const std::string home = environment_value("HOME"); !home.empty())
    return std::filesystem::path(home) / ".local" / "share" / "easel" / "models";
  return {};
}

std::filesystem::path hf_hub_cache_from_environment() {
  for (const char* variable : {"HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"})
    if (const std::string cache = environment_value(variable); !cache.empty()) return cache;
  if (const std::string home = environment_value("HF_HOME"); !home.empty()) return std::filesystem::path(home) / "hub";
  if (const std::string cache = environment_value("XDG_CACHE_HOME"); !cache.empty())
    return std::filesystem::path(cache) / "huggingface" / "hub";
  if (const std::string home = environment_value("HOME"); !home.empty())
    return std::filesystem::path(home) / ".cache" / "huggingface" / "hub";
  return {};
}

}  // namespace

std::string default_model_from_environment() { return environment_value("EASEL_MODEL"); }

models::ModelPaths model_paths_from_environment() {
  return {models_dir_from_environment(), hf_hub_cache_from_environment()};
}

models::HubSettings hub_from_environment() {
  models::HubSettings hub;
  if (std::string endpoint = environment_value("HF_ENDPOINT"); !endpoint.empty()) hub.endpoint = std::move(endpoint);
  hub.token = environment_value("HF_TOKEN");
  return hub;
}

SegmenterSettings segmenter_from_environment(const models::ModelPaths& paths) {
  SegmenterSettings settings;
  settings.policy = parse_segmenter_policy(environment_value("EASEL_SEGMENTATION"), "EASEL_SEGMENTATION");
  settings.network_file = environment_value("EASEL_SEGMENTATION_MODEL");
  // Without a models directory no network is installed, and segmentation_engine says so when one is
  // required.
  if (!paths.models_dir.empty()) settings.folder = paths.models_dir / "segmentation";
  return settings;
}

RunContext cli_run_context(const std::string& model, const models::ModelPaths& paths) {
  RunContext context;
  context.default_model = model.empty() ? default_model_from_environment() : model;
  context.model_advice = "give --model NAME|PATH (or set EASEL_MODEL)";
  context.segmenter = segmenter_from_environment(paths);
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

std::filesystem::path tokenizer_dir_from_environment(const models::ModelPaths& paths) {
  const std::string tokenizer = environment_value("EASEL_TOKENIZER");
  return !tokenizer.empty() ? std::filesystem::path(tokenizer) : paths.required_models_dir() / "tokenizer";
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
