// Feeds arbitrary bytes to every reader of model configuration the loaders use. The first byte picks
// the reader, the rest is its input:
//   0 text_encoder/config.json   1 unet/config.json   2 vae/config.json   3 scheduler/scheduler_config.json
//   4 model_index.json   5 a single file's sidecar (NAME.easel.json)   6 a diffusers folder's easel.json
//   7 tokenizer special_tokens_map.json   8 a single file's safetensors header (its JSON; the data
//   section is taken to be 1 GiB, never read) resolved into the networks' settings   9 a sidecar, a NUL
//   byte, then a header: the settings resolved from both.
// Each reader must accept its input or throw easel::Error: never crash, read out of bounds, overflow,
// divide by zero or throw anything else.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "easel/core/error.hpp"
#include "easel/model_files/config_json.hpp"
#include "easel/model_files/model_config.hpp"
#include "easel/model_files/model_sidecar.hpp"
#include "easel/model_files/safetensors.hpp"
#include "easel/model_files/single_file_settings.hpp"

namespace {

using namespace easel::diffusion;

constexpr std::size_t virtual_data_bytes = std::size_t{1} << 30;

// What the engine does with the settings: every level's heads and widths it divides.
void use(const SingleFileSettings& settings) {
  for (std::size_t level = 0; level < max_unet_levels; ++level) (void)settings.unet.heads_at(level);
  if (settings.text_width > 0 && settings.text_width % settings.text_encoder.heads != 0) __builtin_trap();
}

void resolve(std::string_view header, const std::optional<ModelSidecar>& sidecar) {
  const SafetensorsHeader parsed = parse_safetensors_header(header, virtual_data_bytes, "fuzz.safetensors");
  use(resolve_single_file_settings(parsed.tensors, sidecar, "fuzz.safetensors"));
}

void read(std::uint8_t reader, std::string_view text) {
  const std::string source = "fuzz input";
  switch (reader % 10) {
    case 0:
      (void)TextEncoderConfig::from_json(parse_config_json(text, source), source, {});
      break;
    case 1: {
      const UNetConfig config = UNetConfig::from_json(parse_config_json(text, source), source, {});
      for (std::size_t level = 0; level < max_unet_levels; ++level) (void)config.heads_at(level);
      break;
    }
    case 2:
      (void)VaeConfig::from_json(parse_config_json(text, source), source, {});
      break;
    case 3:
      (void)SchedulerConfig::from_json(parse_config_json(text, source), source);
      break;
    case 4:
      check_model_index(parse_config_json(text, source), source);
      break;
    case 5:
      (void)parse_sidecar(parse_config_json(text, source), "models/fuzz.easel.json", true);
      break;
    case 6:
      (void)parse_sidecar(parse_config_json(text, source), "models/fuzz/easel.json", false);
      break;
    case 7:
      (void)TokenizerConfig::from_json(parse_config_json(text, source), source);
      break;
    case 8:
      resolve(text, std::nullopt);
      break;
    default: {
      const std::size_t split = text.find('\0');
      if (split == std::string_view::npos) return;
      const ModelSidecar sidecar =
          parse_sidecar(parse_config_json(text.substr(0, split), source), "models/fuzz.easel.json", true);
      resolve(text.substr(split + 1), sidecar);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  try {
    read(data[0], {reinterpret_cast<const char*>(data + 1), size - 1});
  } catch (const easel::Error&) {
  }
  return 0;
}
