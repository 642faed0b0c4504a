#include "easel/model_files/lora_keys.hpp"

#include <algorithm>
#include <array>
#include <span>
#include <string_view>
#include <utility>

#include "easel/core/error.hpp"

namespace easel::diffusion {
namespace {

struct Suffix {
  std::string_view text;
  LoraPart part;
};

// The part a name ends in, and the name without it; nullopt when it ends in none of `suffixes`.
std::optional<std::pair<std::string, LoraPart>> split_suffix(const std::string& key, std::span<const Suffix> suffixes) {
  for (const Suffix& suffix : suffixes) {
    if (key.size() > suffix.text.size() && key.ends_with(suffix.text))
      return std::make_pair(key.substr(0, key.size() - suffix.text.size()), suffix.part);
  }
  return std::nullopt;
}

// LoRA variants whose tensors change a weight in ways other than up·down: refused by name rather than
// merged wrongly or dropped.
void refuse_other_variants(const std::string& key) {
  struct Variant {
    std::string_view marker;
    std::string_view name;
  };
  constexpr std::array variants{Variant{".hada_", "LoHa"},           Variant{".lokr_", "LoKr"},
                                Variant{".dora_scale", "DoRA"},      Variant{".lora_mid.", "LoCon with Tucker factors"},
                                Variant{".diff", "full-difference"}, Variant{".lora_magnitude_vector", "DoRA"}};
  for (const Variant& variant : variants) {
    if (key.find(variant.marker) != std::string::npos) {
      throw Error(ErrorKind::input,
                  "LoRA tensor '" + key + "' belongs to a " + std::string(variant.name) +
                      " file, which Easel does not merge (supported: LoRA and LoCon in the kohya, "
                      "diffusers and PEFT namings)",
                  "loras");
    }
  }
}

std::optional<LoraKey> parse_kohya(const std::string& key) {
  struct Prefix {
    std::string_view text;
    LoraComponent component;
  };
  constexpr std::array prefixes{
      Prefix{"lora_unet_", LoraComponent::unet}, Prefix{"lora_te1_", LoraComponent::text_encoder},
      Prefix{"lora_te2_", LoraComponent::text_encoder_2}, Prefix{"lora_te_", LoraComponent::text_encoder}};
  constexpr std::array suffixes{Suffix{".lora_down.weight", LoraPart::down}, Suffix{".lora_up.weight", LoraPart::up},
                                Suffix{".alpha", LoraPart::alpha}};
  for (const Prefix& prefix : prefixes) {
    if (!key.starts_with(prefix.text)) continue;
    refuse_other_variants(key);
    const auto split = split_suffix(key.substr(prefix.text.size()), suffixes);
    if (!split) return std::nullopt;
    return LoraKey{LoraFormat::kohya, prefix.component, split->first, true, split->second};
  }
  return std::nullopt;
}

// diffusers' attention-processor LoRAs: `<attention>.processor.to_q_lora.down.weight` changes
// `<attention>.to_q`; `to_out_lora` changes `to_out.0`.
std::optional<std::string> processor_module(const std::string& path) {
  const auto at = path.find(".processor.");
  if (at == std::string::npos) return std::nullopt;
  std::string projection = path.substr(at + 11);
  if (!projection.ends_with("_lora")) return std::nullopt;
  projection.resize(projection.size() - 5);
  if (projection == "to_out") projection = "to_out.0";
  return path.substr(0, at) + "." + projection;
}

std::optional<LoraKey> parse_dotted(const std::string& key) {
  struct Prefix {
    std::string_view text;
    LoraComponent component;
  };
  constexpr std::array prefixes{Prefix{"unet.", LoraComponent::unet},
                                Prefix{"text_encoder_2.", LoraComponent::text_encoder_2},
                                Prefix{"text_encoder.", LoraComponent::text_encoder}};
  std::string rest = key;
  std::optional<LoraComponent> component;
  for (const Prefix& prefix : prefixes) {
    if (key.starts_with(prefix.text)) {
      component = prefix.component;
      rest = key.substr(prefix.text.size());
      break;
    }
  }
  // The oldest diffusers files hold UNet attention processors without the "unet." prefix.
  if (!component && key.find(".processor.") != std::string::npos) component = LoraComponent::unet;
  if (!component) return std::nullopt;
  refuse_other_variants(key);
  constexpr std::array peft_suffixes{Suffix{".lora_A.weight", LoraPart::down}, Suffix{".lora_B.weight", LoraPart::up}};
  constexpr std::array diffusers_suffixes{
      Suffix{".lora.down.weight", LoraPart::down}, Suffix{".lora.up.weight", LoraPart::up},
      Suffix{".lora_linear_layer.down.weight", LoraPart::down}, Suffix{".lora_linear_layer.up.weight", LoraPart::up},
      Suffix{".alpha", LoraPart::alpha}};
  constexpr std::array processor_suffixes{Suffix{".down.weight", LoraPart::down}, Suffix{".up.weight", LoraPart::up}};
  if (const auto split = split_suffix(rest, peft_suffixes))
    return LoraKey{LoraFormat::peft, *component, split->first, false, split->second};
  if (const auto split = split_suffix(rest, diffusers_suffixes))
    return LoraKey{LoraFormat::diffusers, *component, split->first, false, split->second};
  if (const auto split = split_suffix(rest, processor_suffixes)) {
    if (const auto processor = processor_module(split->first))
      return LoraKey{LoraFormat::diffusers, *component, *processor, false, split->second};
  }
  return std::nullopt;
}

}  // namespace

const char* lora_component_name(LoraComponent component) {
  switch (component) {
    case LoraComponent::unet:
      return "unet";
    case LoraComponent::text_encoder:
      return "text_encoder";
    case LoraComponent::text_encoder_2:
      return "text_encoder_2";
  }
  return "unet";
}

const char* lora_format_name(LoraFormat format) {
  switch (format) {
    case LoraFormat::kohya:
      return "kohya";
    case LoraFormat::diffusers:
      return "diffusers";
    case LoraFormat::peft:
      return "peft";
  }
  return "kohya";
}

std::optional<LoraKey> parse_lora_key(const std::string& key) {
  if (auto kohya = parse_kohya(key)) return kohya;
  return parse_dotted(key);
}

std::string kohya_spelling(const std::string& module_path) {
  std::string spelled = module_path;
  std::replace(spelled.begin(), spelled.end(), '.', '_');
  return spelled;
}

std::optional<LoraFormat> lora_file_format(const std::map<std::string, TensorInfo>& tensors) {
  for (const auto& [name, info] : tensors) {
    if (const auto key = parse_lora_key(name)) return key->format;
  }
  return std::nullopt;
}

}  // namespace easel::diffusion
