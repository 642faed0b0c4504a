#include "easel/plan/prompt_optimizer.hpp"

#include <algorithm>
#include <array>
#include <regex>

#include "easel/core/error.hpp"
#include "easel/plan/instruction_text.hpp"

namespace easel {
namespace {

struct PromptTemplate {
  const char* kind;
  const char* detect;  // words that make a prompt this kind (checked in table order)
  PromptParts parts;
  const char* negative;
};

// The templates follow the structure common to strong text-to-image prompts (subject, setting,
// lighting, camera, texture, style); each part is generic enough never to change what the subject is.
const std::array<PromptTemplate, 6>& templates() {
  static const std::array<PromptTemplate, 6> table{{
      {"text-on-object",
       "",
       {"", "the object in a simple, uncluttered setting", "even, soft lighting so the lettering reads clearly",
        "50mm lens, front-on view, sharp focus on the lettering", "clean, crisp lettering printed on the surface",
        "high-quality photograph"},
       "misspelled text, extra letters, garbled lettering, blurry, low quality, watermark"},
      {"product",
       "\\b(product|bottle|perfume|watch|shoe|shoes|sneakers?|packaging|package|mug|cup|jar|can|cosmetics?|lipstick|"
       "headphones|phone|smartphone|laptop|handbag|bag|sunglasses|jewelry|jewellery|ring|necklace|candle|soap|serum|"
       "box|"
       "bottle|skincare|gadget|product shot|packshot)\\b",
       {"", "on a clean seamless studio backdrop", "soft diffused studio lighting with gentle reflections",
        "100mm macro lens, f/8, eye level", "crisp detail, true-to-life materials and colours",
        "professional commercial product photography"},
       "blurry, low quality, distorted, deformed, watermark, cluttered background"},
      {"portrait",
       "\\b(portrait|headshot|person|man|woman|girl|boy|child|kid|face|model|businessman|businesswoman|grandmother|"
       "grandfather|chef|doctor|athlete|dancer|musician|couple|selfie)\\b",
       {"", "in a softly blurred natural environment", "soft window light with a subtle rim light",
        "85mm lens, f/1.8, shallow depth of field, eye level", "natural skin texture, fine detail in the eyes and hair",
        "editorial portrait photography"},
       "blurry, low quality, deformed face, extra fingers, distorted features, watermark"},
      {"interior",
       "\\b(room|kitchen|bedroom|living room|bathroom|interior|office|cafe|café|restaurant|lobby|hallway|studio "
       "apartment|"
       "loft|library|hotel room|dining room)\\b",
       {"", "a spacious, tidy, thoughtfully styled space",
        "bright natural daylight from large windows balanced with warm lamps",
        "16mm wide-angle lens at eye level, straight verticals", "realistic materials: wood grain, fabric weave, stone",
        "architectural interior photography, magazine quality"},
       "blurry, low quality, distorted perspective, warped lines, clutter, watermark"},
      {"landscape",
       "\\b(landscape|mountains?|valley|lake|forest|beach|ocean|sea|desert|field|meadow|waterfall|canyon|coast|"
       "coastline|"
       "hills?|river|glacier|volcano|island|countryside|vista|sky|sunset|sunrise)\\b",
       {"", "a wide vista with a clear foreground, middle ground and distant horizon",
        "golden-hour sunlight with long, soft shadows", "24mm wide-angle lens, f/11, deep focus",
        "rich detail in rock, foliage, water and sky", "award-winning landscape photography"},
       "blurry, low quality, oversaturated, haze, distorted horizon, watermark"},
      {"general",
       "",
       {"", "", "soft natural light", "50mm lens, sharp focus", "fine detail", "high-quality photograph"},
       "blurry, low quality, distorted, deformed, watermark"},
  }};
  return table;
}

// What a user's words already say about each part.
constexpr const char* kLightingWords =
    "\\b(light|lighting|lit|sunlight|sunlit|golden hour|blue hour|neon|backlit|backlight|softbox|candlelight|moonlight|"
    "shadows?|glow|glowing|overcast|dramatic light|rim light|studio lighting|daylight|lamp "
    "?light|sunset|sunrise|night)\\b";
constexpr const char* kCameraWords =
    "\\b(\\d+ ?mm|lens|f/\\d|aperture|bokeh|macro|wide[- ]angle|telephoto|shot on|dslr|close[- ]up|aerial|drone|"
    "overhead|top[- ]down|flat ?lay|depth of field|fisheye|tilt[- ]shift|eye level|low angle|high angle)\\b";
constexpr const char* kTextureWords =
    "\\b(texture|textured|matte|glossy|detailed|detail|sharp "
    "focus|grain|grainy|smooth|rough|velvety|metallic|wooden)\\b";
constexpr const char* kSettingWords =
    "\\b(on|in|at|against|inside|outside|under|beneath|above|near|beside|background|backdrop|surrounded by|in front "
    "of)\\b";
constexpr const char* kStyleWords =
    "\\b(photo|photograph|photography|photorealistic|realistic|illustration|painting|watercolou?r|oil painting|3d "
    "render|"
    "render|anime|cartoon|sketch|drawing|pixel art|vector|cinematic|film still|polaroid|vintage|minimalist|digital art|"
    "concept art|comic|low poly|isometric|studio ghibli|art deco|pop art)\\b";
constexpr const char* kNonPhotoStyles =
    "\\b(illustration|painting|watercolou?r|oil painting|3d render|anime|cartoon|sketch|drawing|pixel art|vector|"
    "digital art|concept art|comic|low poly|isometric)\\b";

bool has(const std::string& text, const char* pattern) { return std::regex_search(text, std::regex(pattern)); }

std::string trimmed(std::string text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  text = text.substr(first);
  while (!text.empty() && std::string(" \t\r\n.,;").find(text.back()) != std::string::npos) text.pop_back();
  return text;
}

}  // namespace

OptimizedPrompt optimize_prompt(const std::string& prompt) {
  OptimizedPrompt result;
  result.original = prompt;
  result.parts.subject = trimmed(prompt);
  if (result.parts.subject.empty())
    throw Error(ErrorKind::usage,
                "the prompt is empty: describe the image, e.g. \"a red bicycle against a brick wall\"");
  if (prompt.size() > kMaxPromptBytes) {
    throw Error(ErrorKind::usage, "the prompt is " + std::to_string(prompt.size()) + " bytes, above the limit of " +
                                      std::to_string(kMaxPromptBytes));
  }
  try {
    (void)json(prompt).dump();
  } catch (const json::exception&) {
    throw Error(ErrorKind::usage, "the prompt is not valid UTF-8 text");
  }
  // Quoted text is set aside before the words are read, so nothing inside it picks a template.
  const ProtectedInstruction words = protect_quotations(prompt);
  for (const auto& quotation : words.quotations) result.texts.push_back(quotation.text);
  std::string lower = words.text;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });

  const PromptTemplate* chosen = &templates().back();
  if (!result.texts.empty()) {
    chosen = &templates().front();
  } else {
    for (const auto& candidate : templates()) {
      if (*candidate.detect != '\0' && has(lower, candidate.detect)) {
        chosen = &candidate;
        break;
      }
    }
  }
  result.kind = chosen->kind;
  result.negative = chosen->negative;

  const bool non_photo = has(lower, kNonPhotoStyles);
  const auto fill = [&](std::string& part, const char* name, const char* words_pattern, const char* from_template) {
    if (has(lower, words_pattern)) {
      result.given.emplace_back(name);
    } else {
      part = from_template;
    }
  };
  fill(result.parts.setting, "setting", kSettingWords, chosen->parts.setting.c_str());
  fill(result.parts.lighting, "lighting", kLightingWords, chosen->parts.lighting.c_str());
  if (non_photo) {
    result.given.emplace_back("camera");  // a lens means nothing to a watercolour
  } else {
    fill(result.parts.camera, "camera", kCameraWords, chosen->parts.camera.c_str());
  }
  fill(result.parts.texture, "texture", kTextureWords, chosen->parts.texture.c_str());
  fill(result.parts.style, "style", kStyleWords, chosen->parts.style.c_str());

  result.prompt = result.parts.subject;
  for (const std::string* part : {&result.parts.setting, &result.parts.lighting, &result.parts.camera,
                                  &result.parts.texture, &result.parts.style}) {
    if (!part->empty()) result.prompt += ", " + *part;
  }
  // The only text the image may carry is the user's, named again so the model spells it as written.
  for (const auto& quotation : words.quotations) {
    result.prompt += ", the lettering reads exactly " + quotation.with_quotes;
  }
  return result;
}

json to_json(const OptimizedPrompt& optimized) {
  return {{"original", optimized.original},
          {"kind", optimized.kind},
          {"parts",
           {{"subject", optimized.parts.subject},
            {"setting", optimized.parts.setting},
            {"lighting", optimized.parts.lighting},
            {"camera", optimized.parts.camera},
            {"texture", optimized.parts.texture},
            {"style", optimized.parts.style}}},
          {"given", optimized.given},
          {"texts", optimized.texts},
          {"revised_prompt", optimized.prompt},
          {"negative_prompt", optimized.negative}};
}

}  // namespace easel
