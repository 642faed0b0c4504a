#pragma once
// JSON that comes from outside the process (HTTP bodies and fields, plan files) is parsed with a bound on
// its nesting depth. nlohmann's parser is itself iterative, but copying, comparing, printing and
// destroying parts of a value recurse once per level, so a document nested 100,000 deep (200 KB of
// brackets) would overflow the stack after it parsed. The bound uses the parser's own callback, which
// sees each array or object as it opens, so nothing below the limit is ever built.
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace easel {

// Deep enough for any EditPlan or request (about 8 levels) with room to spare.
inline constexpr std::size_t kDefaultMaxJsonDepth = 64;

class JsonTooDeep : public std::runtime_error {
 public:
  explicit JsonTooDeep(std::size_t limit)
      : std::runtime_error("the JSON nests arrays and objects more than " + std::to_string(limit) +
                           " levels deep; the limit is " + std::to_string(limit)),
        limit_(limit) {}
  std::size_t limit() const noexcept { return limit_; }

 private:
  std::size_t limit_;
};

// Parses `text` as nlohmann::json::parse does (throwing its parse_error, or out_of_range for a number
// like 1E999), and throws JsonTooDeep when an array or object opens below `max_depth` levels.
inline nlohmann::json parse_json_input(std::string_view text, std::size_t max_depth = kDefaultMaxJsonDepth) {
  using Event = nlohmann::json::parse_event_t;
  const nlohmann::json::parser_callback_t bounded = [max_depth](int depth, Event event, nlohmann::json&) {
    // `depth` counts the arrays and objects around the one opening: 0 for the document itself.
    if ((event == Event::object_start || event == Event::array_start) && static_cast<std::size_t>(depth) >= max_depth) {
      throw JsonTooDeep(max_depth);
    }
    return true;
  };
  return nlohmann::json::parse(text, bounded);
}

}  // namespace easel
