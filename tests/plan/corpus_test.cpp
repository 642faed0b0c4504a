// The instruction corpus (tests/data/instructions/corpus.jsonl): edits phrased the way people write them,
// each with its expected op sequence, key parameters, and preserve / unsupported counts. Measures the
// exact-op-sequence rate (goal ≥ 95%) and clause coverage (must be 100%): every word of the
// instruction that is not filler (is_filler_word) or a section header belongs to a clause the plan
// lists under steps, preserve or unsupported.
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <map>
#include <regex>

#include "easel/core/error.hpp"
#include "easel/plan/instruction_text.hpp"
#include "easel/plan/planner.hpp"
#include "plan/plan_support.hpp"

namespace easel {
namespace {

struct CorpusEntry {
  int line = 0;
  json expected;
};

std::vector<CorpusEntry> load_corpus() {
  const std::filesystem::path path = std::filesystem::path(EASEL_INSTRUCTION_CORPUS) / "corpus.jsonl";
  std::ifstream file(path);
  EXPECT_TRUE(file) << "missing corpus " << path;
  std::vector<CorpusEntry> entries;
  std::string line;
  for (int number = 1; std::getline(file, line); ++number) {
    if (line.empty() || line[0] == '#') continue;
    entries.push_back({number, json::parse(line)});
  }
  return entries;
}

using test::ops_of;

std::string joined(const std::vector<std::string>& items) {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : " ") + item;
  return text.empty() ? "(none)" : text;
}

// Lower-case words, punctuation stripped at the edges.
std::vector<std::string> words_of(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  const auto flush = [&] {
    if (!is_filler_word(word)) {
      while (!word.empty() && std::string(".,;:!?()\"'").find(word.back()) != std::string::npos) word.pop_back();
      while (!word.empty() && std::string(".,;:!?()\"'").find(word.front()) != std::string::npos) word.erase(0, 1);
      if (!word.empty()) words.push_back(word);
    }
    word.clear();
  };
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\t' || c == ',') {
      flush();
    } else {
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  flush();
  return words;
}

// The words of the instruction no clause of the plan holds.
std::vector<std::string> uncovered_words(const EditPlan& plan) {
  static const std::regex headers("\\b(preserve|keep|edit|edits|changes|change|do not change|don't change):",
                                  std::regex::icase);
  std::map<std::string, int> available;
  std::string previous;
  const auto take = [&](const std::string& clause) {
    for (const auto& word : words_of(clause)) ++available[word];
  };
  for (const auto& step : plan.steps) {
    if (step.clause != previous) take(step.clause);  // several steps may come from one clause
    previous = step.clause;
    for (const auto& also : step.also_clauses) take(also);  // later clauses the step carries out too
  }
  for (const auto& item : plan.preserve) take(item.clause);
  for (const auto& item : plan.unsupported) take(item.clause);
  std::vector<std::string> missing;
  for (const auto& word : words_of(std::regex_replace(plan.instruction, headers, " "))) {
    if (available[word]-- <= 0) missing.push_back(word);
  }
  return missing;
}

// Each expected parameter equals the planned one (numbers within 1e-6).
std::string parameter_mismatches(const EditPlan& plan, const json& expected) {
  std::string problems;
  if (!expected.contains("steps")) return problems;
  for (const auto& check : expected["steps"]) {
    const auto index = check.value("step", 0);
    if (index >= static_cast<int>(plan.steps.size())) {
      problems += " step " + std::to_string(index) + " missing;";
      continue;
    }
    const PlanStep& step = plan.steps[static_cast<std::size_t>(index)];
    const json expected_params = check.value("params", json::object());
    for (const auto& [name, value] : expected_params.items()) {
      const bool same =
          step.params.contains(name) && (value.is_number() && step.params[name].is_number()
                                             ? std::abs(value.get<double>() - step.params[name].get<double>()) < 1e-6
                                             : step.params[name] == value);
      if (!same)
        problems += " step " + std::to_string(index) + " " + name + " = " + step.params.value(name, json()).dump() +
                    ", expected " + value.dump() + ";";
    }
    if (check.contains("target") && step.target != check["target"]) {
      problems += " step " + std::to_string(index) + " target " + step.target.dump() + ", expected " +
                  check["target"].dump() + ";";
    }
  }
  return problems;
}

TEST(InstructionCorpus, PlansTheExpectedOpsAndAccountsForEveryClause) {
  const std::vector<CorpusEntry> corpus = load_corpus();
  ASSERT_GE(corpus.size(), 300u);
  int exact_ops = 0;
  int exact_counts = 0;
  int exact_params = 0;
  int covered = 0;
  std::string failures;
  for (const auto& entry : corpus) {
    const std::string instruction = entry.expected.at("instruction");
    const std::string where = "line " + std::to_string(entry.line) + ": " + instruction;
    EditPlan plan;
    try {
      plan = draft_plan(instruction);
      (void)plan_instruction(instruction);  // the registered part of every plan passes validation
    } catch (const Error& error) {
      ADD_FAILURE() << where << ": " << error.what();
      continue;
    }
    const auto expected_ops = entry.expected.at("ops").get<std::vector<std::string>>();
    if (ops_of(plan) == expected_ops) {
      ++exact_ops;
    } else {
      failures += where + "\n    ops " + joined(ops_of(plan)) + ", expected " + joined(expected_ops) + "\n";
    }
    const auto preserve = entry.expected.value("preserve", 0);
    const auto unsupported = entry.expected.value("unsupported", 0);
    if (static_cast<int>(plan.preserve.size()) == preserve &&
        static_cast<int>(plan.unsupported.size()) == unsupported) {
      ++exact_counts;
    } else {
      failures += where + "\n    preserve " + std::to_string(plan.preserve.size()) + " (expected " +
                  std::to_string(preserve) + "), unsupported " + std::to_string(plan.unsupported.size()) +
                  " (expected " + std::to_string(unsupported) + ")\n";
    }
    if (const std::string problems = parameter_mismatches(plan, entry.expected); problems.empty()) {
      ++exact_params;
    } else {
      failures += where + "\n    params:" + problems + "\n";
    }
    if (const auto missing = uncovered_words(plan); missing.empty()) {
      ++covered;
    } else {
      failures += where + "\n    words in no clause: " + joined(missing) + "\n";
    }
  }
  const double total = static_cast<double>(corpus.size());
  std::cout << "instruction corpus: " << corpus.size() << " instructions\n"
            << "  exact op sequence:        " << exact_ops << " (" << 100 * exact_ops / total << "%)\n"
            << "  preserve/unsupported:     " << exact_counts << " (" << 100 * exact_counts / total << "%)\n"
            << "  key parameters:           " << exact_params << " (" << 100 * exact_params / total << "%)\n"
            << "  clauses cover all words:  " << covered << " (" << 100 * covered / total << "%)\n";
  if (!failures.empty()) std::cout << "failures:\n" << failures;
  EXPECT_GE(exact_ops / total, 0.95);
  EXPECT_GE(exact_counts / total, 0.95);
  EXPECT_GE(exact_params / total, 0.95);
  EXPECT_EQ(covered, static_cast<int>(corpus.size()));
}

}  // namespace
}  // namespace easel
