#pragma once
// What every clause rule reads and builds: the clause with its quotations and the context carried across
// clauses, pattern matching on its normalised words, and the outcomes a rule returns. Internal to the
// planner (src/easel/plan/clause_rules*.cpp).
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "easel/plan/clause_rules.hpp"

namespace easel::rules {

struct ClauseView {
  const Clause& clause;
  const std::vector<Quotation>& quotations;
  ClauseContext& context;
  const std::string& text() const { return clause.text; }
};

// `regex` compiled once per thread (the HTTP server plans on several threads); keyed by the pointer,
// so pass string literals or strings that outlive the thread.
const std::regex& pattern(const char* regex);
bool has(const std::string& text, const char* regex);

inline const json kWholeImage = json{{"region", "all"}};

// A region named by its place in the frame ("left", "top-third"…), which needs no model.
bool is_spatial(const json& target);

ClauseOutcome one_step(std::string op, json target, json params, const Clause& clause);
ClauseOutcome not_done(const Clause& clause, std::string reason);

// "20%", "20 percent" → 0.2.
std::optional<double> percentage(const std::string& text);

// The words after the verb, as the user wrote them: "remove the trash can on the left" → "the trash can
// on the left". Used as a generative prompt or an object description.
std::string words_after(const std::string& original, const char* verbs);

std::string strip_trailing_punctuation(std::string text);

}  // namespace easel::rules
