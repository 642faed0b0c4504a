#pragma once
// The settings of a text-to-image request, checked against the generate.image declaration in the
// registry: the one set of limits and samplers for `easel generate`, POST /v1/images/generations (with
// generation jobs and variations) and EditPlan generate.image steps. The doors read their own spelling
// (--cfg, guidance_scale) and hand each value here under its registry name.
#include <string>

#include <nlohmann/json.hpp>

#include "easel/ops/param.hpp"

namespace easel {

// The declaration of one generate.image parameter ("steps", "cfg", "sampler", "seed", …).
const ParamSpec& text_to_image_setting(const std::string& name);

// `value` checked as generate.image checks it. Out of range or not allowed: Error(usage) whose field()
// is `name` and whose words are the registry's, e.g. "generate.image: parameter 'steps' = 2000 is out
// of range [1, 150]" — the same text from every door.
nlohmann::json checked_text_to_image_setting(const std::string& name, const nlohmann::json& value);

}  // namespace easel
