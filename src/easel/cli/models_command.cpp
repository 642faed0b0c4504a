// easel models list|show|pull: the Stable Diffusion models on disk and downloading them (docs/models.md).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "easel/cli/commands.hpp"
#include "easel/models/hub_pull.hpp"
#include "easel/models/model_catalog.hpp"
#include "easel/models/model_store.hpp"
#include "easel/settings/environment.hpp"

namespace easel::cli {
namespace {
using nlohmann::json;

std::string human_size(std::uintmax_t bytes) {
  char text[32];
  if (bytes >= (1ull << 30))
    std::snprintf(text, sizeof text, "%.2f GiB", static_cast<double>(bytes) / (1ull << 30));
  else if (bytes >= (1ull << 20))
    std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(bytes) / (1ull << 20));
  else
    std::snprintf(text, sizeof text, "%.1f KiB", static_cast<double>(bytes) / (1ull << 10));
  return text;
}

std::string joined(const std::vector<std::string>& items) {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : ", ") + item;
  return text;
}

json entry_to_json(const models::ModelEntry& entry) {
  json value = {{"name", entry.location.name},
                {"path", entry.location.path.string()},
                {"source", entry.location.source},
                {"layout", models::layout_name(entry.traits.layout)},
                {"family", entry.traits.family},
                {"variant", entry.traits.variant},
                {"in_channels", entry.traits.in_channels},
                {"prediction", entry.traits.prediction},
                {"components", entry.traits.components},
                {"missing", entry.traits.missing},
                {"usable", entry.problem.empty()},
                {"enables", entry.problem.empty() ? json(entry.traits.enables) : json::array()},
                {"bytes", entry.bytes}};
  if (!entry.traits.base.empty()) value["base"] = entry.traits.base;
  if (!entry.problem.empty()) value["problem"] = entry.problem;
  return value;
}

void print_entry(const models::ModelEntry& entry) {
  const auto& traits = entry.traits;
  std::cout << entry.location.name << "  " << traits.family << " " << traits.variant;
  if (traits.in_channels > 0) std::cout << " (" << traits.in_channels << "-channel UNet)";
  std::cout << ", " << models::layout_name(traits.layout) << ", " << human_size(entry.bytes) << ", "
            << entry.location.source << "\n";
  std::cout << "  path: " << entry.location.path.string() << "\n";
  if (!entry.problem.empty()) {
    std::cout << "  unusable: " << entry.problem << "\n";
    return;
  }
  std::cout << "  enables: " << (traits.enables.empty() ? "nothing Easel runs" : joined(traits.enables)) << "\n";
  if (!traits.missing.empty() && !traits.enables.empty())
    std::cout << "  takes " << joined(traits.missing) << " from its base " << traits.base << "\n";
}

void list_models(const models::ModelPaths& paths, bool as_json) {
  const auto entries = models::list_models(paths);
  if (as_json) {
    json listed = json::array();
    for (const auto& entry : entries) listed.push_back(entry_to_json(entry));
    std::cout << json{{"models_dir", paths.models_dir.string()},
                      {"hf_cache", paths.hf_hub_cache.string()},
                      {"models", listed}}
                     .dump(2)
              << "\n";
    return;
  }
  if (entries.empty()) {
    std::cout << "no models in " << paths.models_dir.string() << " or the Hugging Face cache "
              << paths.hf_hub_cache.string() << "; download one with `easel models pull stabilityai/sd-turbo`\n";
    return;
  }
  for (const auto& entry : entries) print_entry(entry);
}

void show_model(const models::ModelPaths& paths, const std::string& name, bool as_json) {
  const std::filesystem::path path = models::resolve_model(paths, name);
  const std::vector<models::ModelLocation> found =
      path == std::filesystem::path(name) ? std::vector<models::ModelLocation>{} : models::locate_model(paths, name);
  const models::ModelLocation location = found.empty() ? models::ModelLocation{name, path, "path"} : found.front();
  const models::ModelEntry entry = models::describe_model(paths, location);
  if (as_json)
    std::cout << entry_to_json(entry).dump(2) << "\n";
  else
    print_entry(entry);
}

// Progress on stderr: a rewritten line on a terminal, otherwise one line per file event.
class PullReporter {
 public:
  PullReporter() : terminal_(::isatty(STDERR_FILENO) != 0) {}
  ~PullReporter() {
    if (open_line_) std::fputc('\n', stderr);
  }
  PullReporter(const PullReporter&) = delete;
  PullReporter& operator=(const PullReporter&) = delete;

  void operator()(const models::PullProgress& progress) {
    const auto now = std::chrono::steady_clock::now();
    // A log (not a terminal) gets the events that matter: each file's completion and every reconnection.
    if (progress.event == "progress" && (!terminal_ || now - last_ < std::chrono::milliseconds(200))) return;
    if (progress.event == "download" && !terminal_) return;
    last_ = now;
    std::string amount = human_size(progress.done);
    if (progress.total > 0)
      amount +=
          " of " + human_size(progress.total) + " (" + std::to_string(progress.done * 100 / progress.total) + "%)";
    const char* verb = progress.event == "progress" || progress.event == "download" ? "downloading"
                       : progress.event == "skip"                                   ? "already complete"
                       : progress.event == "retry"                                  ? "connection lost, retrying"
                       : progress.event == "resume"                                 ? "resuming"
                                                                                    : "verifying";
    std::fprintf(stderr, "%seasel: [%zu/%zu] %s %s %s%s", terminal_ ? "\r\033[K" : "", progress.index + 1,
                 progress.count, verb, progress.file.c_str(), amount.c_str(), terminal_ ? "" : "\n");
    std::fflush(stderr);
    open_line_ = terminal_;
  }

 private:
  bool terminal_;
  bool open_line_ = false;
  std::chrono::steady_clock::time_point last_{};
};

void pull(const models::ModelPaths& paths, const models::PullRequest& request, bool as_json) {
  models::PullResult result;
  {
    PullReporter reporter;
    result = models::pull_model(request, paths, settings::hub_from_environment(),
                                [&reporter](const models::PullProgress& progress) { reporter(progress); });
  }
  if (as_json) {
    std::cout
        << json{{"name", result.name},   {"path", result.folder.string()},   {"commit", result.commit},
                {"files", result.files}, {"downloaded_bytes", result.bytes}, {"resumed_transfers", result.resumed}}
               .dump(2)
        << "\n";
    return;
  }
  std::cout << "pulled " << result.name << " (" << result.files.size() << " files, " << human_size(result.bytes)
            << " downloaded) into " << result.folder.string() << "\n";
}

}  // namespace

void add_models_command(CLI::App& app, Action& action, const models::ModelPaths& model_paths) {
  auto* models = app.add_subcommand("models", "List, inspect and download Stable Diffusion models");
  models->require_subcommand(1);

  auto list_json = std::make_shared<bool>(false);
  auto* list = models->add_subcommand("list", "Every model in the models directory and the Hugging Face cache");
  list->add_flag("--json", *list_json, "Print JSON");
  list->callback([&action, &model_paths, list_json] {
    action = [list_json, &model_paths] { list_models(model_paths, *list_json); };
  });

  auto show_name = std::make_shared<std::string>();
  auto show_json = std::make_shared<bool>(false);
  auto* show = models->add_subcommand("show", "Where a model name resolves to and what the model enables");
  show->add_option("NAME", *show_name, "Model name, Hugging Face repository, or path")->required();
  show->add_flag("--json", *show_json, "Print JSON");
  show->callback([&action, &model_paths, show_name, show_json] {
    action = [show_name, show_json, &model_paths] { show_model(model_paths, *show_name, *show_json); };
  });

  auto request = std::make_shared<models::PullRequest>();
  auto pull_json = std::make_shared<bool>(false);
  auto* pull_command =
      models->add_subcommand("pull", "Download a model repository from the Hugging Face hub ($HF_ENDPOINT)");
  pull_command->add_option("REPO", request->repo, "Repository, ORG/NAME")->required();
  pull_command->add_option("--revision", request->revision, "Branch, tag or commit")->capture_default_str();
  pull_command->add_option("--file", request->files,
                           "Repository path to fetch (repeatable); default: the model's files");
  pull_command->add_flag("--json", *pull_json, "Print JSON");
  pull_command->callback([&action, &model_paths, request, pull_json] {
    action = [request, pull_json, &model_paths] { pull(model_paths, *request, *pull_json); };
  });
}

}  // namespace easel::cli
