#pragma once
// The clause rules, by family; clause_rules.cpp orders them into the one table the planner tries. Each
// rule returns nullopt when the clause is not its kind, else the steps, preserve or unsupported entries
// it maps to. Internal to the planner.
#include <optional>
#include <string>

#include "easel/plan/clause_view.hpp"
#include "easel/plan/named_things.hpp"
#include "easel/plan/vocabulary.hpp"

namespace easel::rules {

using RuleResult = std::optional<ClauseOutcome>;

// Text (clause_rules_text.cpp): text.add, text.replace, removing a quoted text.
RuleResult text_rule(const ClauseView& view);

// Known limits (clause_rules_unsupported.cpp): what Easel does not do, with the reason.
RuleResult known_unsupported_rule(const ClauseView& view);
RuleResult region_blur_rule(const ClauseView& view);

// Generative (clause_rules_generative.cpp).
RuleResult generate_image_rule(const ClauseView& view);
RuleResult generate_variation_rule(const ClauseView& view);
RuleResult generate_instruct_rule(const ClauseView& view);

// Background (clause_rules_background.cpp).
inline constexpr const char* kBackground = "\\b(background|backdrop|bg|back ground|surroundings|setting|behind)\\b";
RuleResult background_remove_rule(const ClauseView& view);
RuleResult background_blur_rule(const ClauseView& view);
RuleResult background_replace_rule(const ClauseView& view);

// Colour and tone (clause_rules_color.cpp).
// Colour and tone words → color.adjust parameters (magnitudes in docs/instructions.md); nullopt when the
// clause has none. `direction_context` carries "more"/"less" from one clause to the next.
std::optional<json> tone_params(const std::string& text, int& direction_context);
RuleResult color_match_rule(const ClauseView& view);
RuleResult style_rule(const ClauseView& view);
RuleResult colour_comparative_rule(const ClauseView& view);
RuleResult tone_rule(const ClauseView& view);

// Objects (clause_rules_objects.cpp), and any rule that acts on a thing the clause names.
// Where `thing` is when Easel can find it (named_things.hpp): the subject, a place, a colour area, the
// whole image, or {"object": …} for "the object" or a subject word with a place ("the person on the
// left"); nullopt for a thing by name or a property.
std::optional<json> target_of(const NamedThing& thing, const std::string& clause_text);
// `op` on the thing: on its target when Easel can find it and `op` takes that kind of target; else on
// the user's mask when one was given; else listed as unsupported, saying why — never on something else.
ClauseOutcome step_on_thing(const ClauseView& view, const std::string& op, json params, const NamedThing& thing);
RuleResult object_remove_rule(const ClauseView& view);
RuleResult recolor_rule(const ClauseView& view);
RuleResult object_replace_rule(const ClauseView& view);
RuleResult object_add_rule(const ClauseView& view);

// Geometry (clause_rules_geometry.cpp). Formats also come with text ("a 4:5 version with the text …").
inline constexpr const char* kExtendWords =
    "\\b(expand|extend|outpaint|widen|pad|letterbox|pillarbox|uncrop|zoom out|more (space|room)|add "
    "(space|room)|fit|bars)\\b";
// Asking for the aspect change without losing anything: "make it square without cropping".
inline constexpr const char* kNoCropping =
    "\\b(without cropping|no cropping|instead of cropping|(don't|dont|do not) crop|not cropped|uncropped)\\b";
// Whether an aspect change in this clause extends the canvas rather than cropping: extend words, "without
// cropping", or an earlier "don't crop".
bool extends_canvas(const ClauseView& view, const std::string& text);
// Where a crop keeps the image: a named corner or side, else "center".
std::string anchor_of(const std::string& text);
// "16:9" stays a ratio; "2.39:1" becomes the number 2.39 (the aspect type takes W:H in whole numbers).
json aspect_value(const std::string& aspect);
// A format's crop (or canvas.expand when `extend`) and resize steps.
ClauseOutcome fit_to_format(const ClauseView& view, OutputFormat format, bool extend);
RuleResult upscale_rule(const ClauseView& view);
RuleResult format_rule(const ClauseView& view);
RuleResult expand_rule(const ClauseView& view);
RuleResult crop_rule(const ClauseView& view);
RuleResult resize_rule(const ClauseView& view);

}  // namespace easel::rules
