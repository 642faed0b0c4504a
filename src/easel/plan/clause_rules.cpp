#include "easel/plan/clause_rules.hpp"

#include <algorithm>

#include "easel/plan/clause_rule_families.hpp"
#include "easel/plan/planner.hpp"

namespace easel {
namespace {

using rules::ClauseView;
using rules::has;
using rules::not_done;

// Preserve clauses are read before the rule table: "keep …", "don't change …", "… should stay the same".
bool asks_to_preserve(const std::string& text) {
  return has(text,
             "^(but |and |please |also |just |make sure (to |that |you )?|be sure to |try to "
             "|)(keep|preserve|protect|retain|"
             "(don't|dont|do not|never|not) (change|touch|alter|modify|edit|move|crop|recolou?r|affect|mess "
             "with|adjust)|"
             "leave\\b.*\\b(alone|as is|as it is|unchanged|untouched|intact|the same|be))\\b") ||
         has(text,
             "\\b(should|must|has to|needs to|to)? ?(stay|stays|remain|remains) (the "
             "same|unchanged|untouched|intact|as (it )?is)\\b") ||
         has(text, "^(without (changing|touching|altering))\\b");
}

ClauseOutcome preserve(const Clause& clause) {
  ClauseOutcome outcome;
  outcome.preserve.push_back({region_named_in(clause.text).value_or(json{{"region", "subject"}}), clause.original});
  return outcome;
}

struct Rule {
  const char* name;
  rules::RuleResult (*build)(const ClauseView&);
};

// The one ordered table: the first rule that claims a clause decides it, so order matters — specific
// phrasings before general ones ("remove the background" before "remove …",
// "make the background white" before a recolour, "crop for Instagram" before "crop").
const std::vector<Rule>& rule_table() {
  static const std::vector<Rule> table{
      {"generate.image", rules::generate_image_rule},
      {"text.add / text.replace", rules::text_rule},
      {"not supported (with reason)", rules::known_unsupported_rule},
      {"background.remove", rules::background_remove_rule},
      {"background.blur", rules::background_blur_rule},
      {"color.match", rules::color_match_rule},
      {"style.apply", rules::style_rule},
      {"background.replace", rules::background_replace_rule},
      {"generate.img2img / generate.variation", rules::generate_variation_rule},
      {"generate.instruct", rules::generate_instruct_rule},
      {"image.upscale", rules::upscale_rule},
      {"format (image.crop or canvas.expand, then image.resize)", rules::format_rule},
      {"canvas.expand", rules::expand_rule},
      {"image.crop", rules::crop_rule},
      {"image.resize", rules::resize_rule},
      {"object.remove", rules::object_remove_rule},
      {"region.recolor", rules::recolor_rule},
      {"color.adjust (colour comparatives)", rules::colour_comparative_rule},
      {"color.adjust", rules::tone_rule},
      {"object.replace", rules::object_replace_rule},
      {"object.add", rules::object_add_rule},
      {"blur elsewhere (not supported)", rules::region_blur_rule},
  };
  return table;
}

// "don't crop", "no cropping": a constraint on the aspect changes around it, not something to preserve.
bool forbids_cropping(const std::string& text) {
  return has(text,
             "^(but |and |please |just |also )?((don't|dont|do not|never|not|no) crop(ping)?|without cropping)"
             "( it| this| the (image|photo|picture))?( please)?[.!]?$");
}

bool opens_an_edit(const std::string& text) {
  return has(text,
             "^(make|add|remove|replace|increase|decrease|crop|resize|change|turn|brighten|darken|blur|put|apply|"
             "generate|extend|"
             "expand|upscale|boost|reduce|swap|erase|delete|set|give|convert|recolou?r)\\b");
}

ClauseOutcome decide_clause(const Clause& clause, const std::vector<Quotation>& quotations, ClauseContext& context) {
  if (clause.original.size() > kMaxClauseBytes) {
    return not_done(clause,
                    "this clause is too long to read (over 600 bytes); split the instruction into shorter sentences");
  }
  if (forbids_cropping(clause.text)) {
    context.cropping_forbidden = true;
    const auto& ops = context.planned_ops;
    if (std::find(ops.begin(), ops.end(), "image.crop") != ops.end()) {
      ClauseOutcome outcome;
      outcome.crops_become_extensions = json{{"fill", "reflect"}};
      return outcome;
    }
  }
  const bool in_preserve_section = clause.section == Section::preserve && !opens_an_edit(clause.text);
  if (in_preserve_section || (quotation_index(clause.text) == std::string::npos && asks_to_preserve(clause.text)))
    return preserve(clause);
  const ClauseView view{clause, quotations, context};
  for (const auto& rule : rule_table()) {
    if (auto outcome = rule.build(view)) return std::move(*outcome);
  }
  return not_done(
      clause,
      "Easel found no edit it knows in this; it can change tone and colour, crop, resize, upscale, extend the canvas, "
      "add or replace text, replace, remove or blur the background, recolour, remove, add or replace objects, "
      "apply a style and generate images (see `easel ops` and docs/instructions.md)");
}

}  // namespace

ClauseOutcome plan_clause(const Clause& clause, const std::vector<Quotation>& quotations, ClauseContext& context) {
  ClauseOutcome outcome = decide_clause(clause, quotations, context);
  if (outcome.crops_become_extensions)
    std::replace(context.planned_ops.begin(), context.planned_ops.end(), std::string("image.crop"),
                 std::string("canvas.expand"));
  for (const auto& step : outcome.steps) context.planned_ops.push_back(step.op);
  return outcome;
}

std::vector<const char*> clause_rule_names() {
  std::vector<const char*> names{"preserve"};
  for (const auto& rule : rule_table()) names.push_back(rule.name);
  return names;
}

}  // namespace easel
