#pragma once
// A document is a folder (conventionally NAME.easel) holding a copy of the source image, the ordered
// rounds of edits, and the cache of intermediate results. Every render replays the applied rounds from
// the source, so any number of rounds drifts no more than one; undo and redo move the applied count.
#include <filesystem>
#include <string>
#include <vector>

#include "easel/plan/edit_plan.hpp"

namespace easel {

struct Round {
  EditPlan plan;        // validated
  std::string created;  // ISO 8601 UTC
};

class Document {
 public:
  // Creates a new document folder holding a copy of `source_file`; throws Error(output) when `folder`
  // exists and is not empty.
  static Document create(const std::filesystem::path& folder, const std::filesystem::path& source_file);
  // Throws Error(input) naming the problem when `folder` is not a readable document.
  static Document open(const std::filesystem::path& folder);
  static bool is_document(const std::filesystem::path& path);

  const std::filesystem::path& folder() const { return folder_; }
  std::filesystem::path source_path() const { return folder_ / source_file_; }
  std::filesystem::path cache_folder() const { return folder_ / "cache"; }
  const std::vector<Round>& rounds() const { return rounds_; }
  std::size_t applied() const { return applied_; }

  // Adds a round after the applied ones; rounds that were undone are discarded (as in any editor).
  // Mask files the plan reads are copied into the document, so it stays complete when moved.
  void append(EditPlan plan);
  void undo();  // throws Error(usage) when nothing is applied
  void redo();  // throws Error(usage) when nothing was undone
  // The steps of every applied round, in order, with mask paths pointing into the document folder.
  std::vector<PlanStep> applied_steps() const;
  // Writes document.json atomically.
  void save() const;

 private:
  std::filesystem::path folder_;
  std::string source_file_;
  std::vector<Round> rounds_;
  std::size_t applied_ = 0;
};

}  // namespace easel
