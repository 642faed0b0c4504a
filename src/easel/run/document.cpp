#include "easel/run/document.hpp"

#include <chrono>
#include <ctime>
#include <fstream>
#include <sstream>

#include "easel/core/error.hpp"
#include "easel/image/codec.hpp"
#include "easel/run/result_cache.hpp"
#include "easel/run/step_files.hpp"

namespace easel {
namespace fs = std::filesystem;
namespace {

constexpr const char* kFormat = "easel-document";
constexpr int kVersion = 1;
constexpr const char* kInputFolder = "inputs";  // earlier documents keep theirs in masks/, found the same way

std::string utc_now() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm parts{};
  gmtime_r(&now, &parts);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return buffer;
}

std::string lowercase_extension(const fs::path& file) {
  std::string extension = file.extension().string();
  for (auto& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return extension;
}

}  // namespace

bool Document::is_document(const fs::path& path) { return fs::is_regular_file(path / "document.json"); }

Document Document::create(const fs::path& folder, const fs::path& source_file) {
  if (fs::exists(folder) && !(fs::is_directory(folder) && fs::is_empty(folder))) {
    throw Error(ErrorKind::output,
                "document " + folder.string() + " already exists (open it to add a round, or choose another name)");
  }
  const auto bytes = read_file_bytes(source_file);
  std::error_code error;
  fs::create_directories(folder, error);
  if (error)
    throw Error(ErrorKind::output, "cannot create document folder " + folder.string() + ": " + error.message());
  Document document;
  document.folder_ = folder;
  document.source_file_ = "source" + lowercase_extension(source_file);
  write_file_atomically(document.source_path(), bytes);
  document.save();
  return document;
}

Document Document::open(const fs::path& folder) {
  const fs::path index = folder / "document.json";
  if (!fs::is_regular_file(index))
    throw Error(ErrorKind::input, folder.string() + " is not an Easel document (no document.json)");
  const auto bytes = read_file_bytes(index);
  json data;
  try {
    data = json::parse(bytes.begin(), bytes.end());
  } catch (const json::exception& parse_error) {
    throw Error(ErrorKind::input, index.string() + " is not valid JSON: " + parse_error.what());
  }
  if (!data.is_object() || data.value("format", "") != kFormat || data.value("version", 0) != kVersion) {
    throw Error(ErrorKind::input, index.string() + " is not an Easel document of version " + std::to_string(kVersion));
  }
  Document document;
  document.folder_ = folder;
  try {
    document.source_file_ = data.at("source").get<std::string>();
    for (const auto& round : data.at("rounds")) {
      Round parsed{edit_plan_from_json(round.at("plan")), round.value("created", "")};
      EditPlan resolved = parsed.plan;  // the files a step reads are stored relative to the document
      for (auto& step : resolved.steps) {
        for (json* path : file_paths_of(step)) {
          const fs::path stored = path->get<std::string>();
          if (stored.is_absolute() || stored.lexically_normal().string().starts_with("..")) {
            throw Error(ErrorKind::input, index.string() + " refers to " + stored.string() + ", outside the document");
          }
          *path = (folder / stored).string();
        }
      }
      validate_plan(resolved);
      document.rounds_.push_back(std::move(parsed));
    }
    document.applied_ = data.at("applied").get<std::size_t>();
  } catch (const json::exception& json_error) {
    throw Error(ErrorKind::input, index.string() + " is malformed: " + json_error.what());
  } catch (const Error& plan_error) {
    throw Error(ErrorKind::input, index.string() + " holds an invalid plan: " + plan_error.what());
  }
  if (document.applied_ > document.rounds_.size() || document.source_file_.find('/') != std::string::npos ||
      !fs::is_regular_file(document.source_path())) {
    throw Error(ErrorKind::input, index.string() + " is inconsistent (source file or applied count)");
  }
  return document;
}

void Document::append(EditPlan plan) {
  // Masks and pictures the steps read are copied in (named by content), so later rounds, undo and
  // re-renders never depend on files outside the document.
  for (auto& step : plan.steps) {
    for (json* path : file_paths_of(step)) {
      const fs::path file = path->get<std::string>();
      const auto bytes = read_file_bytes(file);
      const std::string name = std::string(kInputFolder) + "/" +
                               hash_bytes(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size())) +
                               lowercase_extension(file);
      fs::create_directories(folder_ / kInputFolder);
      write_file_atomically(folder_ / name, bytes);
      *path = name;
    }
  }
  rounds_.resize(applied_);
  rounds_.push_back({std::move(plan), utc_now()});
  applied_ = rounds_.size();
}

void Document::undo() {
  if (applied_ == 0) throw Error(ErrorKind::usage, "nothing to undo in " + folder_.string());
  --applied_;
}

void Document::redo() {
  if (applied_ == rounds_.size()) throw Error(ErrorKind::usage, "nothing to redo in " + folder_.string());
  ++applied_;
}

std::vector<PlanStep> Document::applied_steps() const {
  std::vector<PlanStep> steps;
  for (std::size_t i = 0; i < applied_; ++i) {
    for (PlanStep step : rounds_[i].plan.steps) {
      for (json* path : file_paths_of(step)) *path = (folder_ / path->get<std::string>()).string();
      steps.push_back(std::move(step));
    }
  }
  return steps;
}

void Document::save() const {
  json rounds = json::array();
  for (const auto& round : rounds_) rounds.push_back({{"plan", to_json(round.plan)}, {"created", round.created}});
  const json data = {
      {"format", kFormat}, {"version", kVersion}, {"source", source_file_}, {"applied", applied_}, {"rounds", rounds}};
  const std::string text = data.dump(2) + "\n";
  write_file_atomically(folder_ / "document.json",
                        std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

}  // namespace easel
