#include "easel/plan/clause_view.hpp"

#include <algorithm>
#include <unordered_map>

#include "easel/regions/region.hpp"

namespace easel::rules {

const std::regex& pattern(const char* text) {
  thread_local std::unordered_map<const char*, std::regex> compiled;
  auto found = compiled.find(text);
  if (found == compiled.end()) found = compiled.emplace(text, std::regex(text)).first;
  return found->second;
}
bool has(const std::string& text, const char* regex) { return std::regex_search(text, pattern(regex)); }

bool is_spatial(const json& target) {
  if (!target.contains("region")) return false;
  const auto& names = spatial_region_names();
  return std::find(names.begin(), names.end(), target["region"].get<std::string>()) != names.end();
}

ClauseOutcome one_step(std::string op, json target, json params, const Clause& clause) {
  ClauseOutcome outcome;
  outcome.steps.push_back({std::move(op), std::move(target), std::move(params), clause.original});
  return outcome;
}
ClauseOutcome not_done(const Clause& clause, std::string reason) {
  ClauseOutcome outcome;
  outcome.unsupported.push_back({clause.original, std::move(reason)});
  return outcome;
}

std::optional<double> percentage(const std::string& text) {
  std::smatch match;
  if (std::regex_search(text, match, pattern("(\\d+(?:\\.\\d+)?)\\s*(?:%|percent|per cent)")))
    return std::stod(match[1]) / 100;
  return std::nullopt;
}

std::string words_after(const std::string& original, const char* verbs) {
  std::smatch match;
  const std::regex lead(std::string("^[\\s\\S]*?\\b(?:") + verbs + ")\\b\\s*", std::regex::icase);
  if (std::regex_search(original, match, lead)) return original.substr(static_cast<std::size_t>(match.length(0)));
  return original;
}

std::string strip_trailing_punctuation(std::string text) {
  while (!text.empty() && std::string(" .,;:!?").find(text.back()) != std::string::npos) text.pop_back();
  return text;
}

}  // namespace easel::rules
