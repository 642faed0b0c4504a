#include "easel/diffusion/taesd.hpp"

#include <optional>
#include <string>
#include <vector>

#include "easel/core/error.hpp"
#include "easel/diffusion/layers.hpp"
#include "easel/diffusion/weights.hpp"

namespace easel::diffusion {
namespace {

constexpr std::int64_t rgb_channels = 3;
constexpr int upsampling_stages = 3;
constexpr int blocks_per_stage = 3;

// Where layer `index` of the diffusers numbering (conv_in = 0) lives in the file: the original
// sequential network has its parameterless clamp as layer 0, so its indices are one higher.
struct Layout {
  std::string prefix;
  int offset = 0;
  std::string layer(int index) const { return prefix + std::to_string(index + offset); }
};

Layout detect_layout(const Weights& weights) {
  if (weights.contains("decoder.layers.0.weight")) return {"decoder.layers.", 0};
  if (weights.contains("1.weight")) return {"", 1};
  throw Error(ErrorKind::input, weights.source() + " is not a TAESD decoder: it has neither '1.weight' (" +
                                    taesd_decoder_file + ") nor 'decoder.layers.0.weight' (diffusers AutoencoderTiny)");
}

// A convolution whose weight must have exactly this shape (the network has no free hyper-parameters).
Conv2d checked_conv(const Weights& weights, const std::string& prefix, std::vector<std::int64_t> shape, bool has_bias) {
  (void)weights.get(prefix + ".weight", std::move(shape));
  return Conv2d(weights, prefix, 1, -1, has_bias);
}

struct Block {
  Conv2d first, second, third;
  Block(const Weights& weights, const std::string& prefix, std::int64_t width)
      : first(checked_conv(weights, prefix + ".conv.0", {width, width, 3, 3}, true)),
        second(checked_conv(weights, prefix + ".conv.2", {width, width, 3, 3}, true)),
        third(checked_conv(weights, prefix + ".conv.4", {width, width, 3, 3}, true)) {}
  // Input and output widths are equal in the SD decoder, so the skip connection is the identity.
  at::Tensor operator()(const at::Tensor& x) const { return at::relu(third(at::relu(second(at::relu(first(x))))) + x); }
};

struct Stage {
  std::vector<Block> blocks;
  std::optional<Conv2d> upsampled_conv;  // after nearest ×2 upsampling; absent in the last stage
};

}  // namespace

struct TinyDecoder::Network {
  Conv2d input;
  std::vector<Stage> stages;
  Conv2d output;
};

std::optional<std::filesystem::path> find_taesd(const std::filesystem::path& folder) {
  for (const char* name : {taesd_decoder_file, taesd_diffusers_file}) {
    std::error_code error;
    if (std::filesystem::is_regular_file(folder / name, error)) return folder / name;
  }
  return std::nullopt;
}

TinyDecoder::TinyDecoder(const std::filesystem::path& path) {
  std::filesystem::path file = path;
  if (std::filesystem::is_directory(path)) {
    const auto found = find_taesd(path);
    if (!found) {
      throw Error(ErrorKind::capability, "no TAESD decoder in " + path.string() + " (" + taesd_decoder_file + " or " +
                                             taesd_diffusers_file + "): download it with `" + taesd_pull_command + "`");
    }
    file = *found;
  } else if (!std::filesystem::exists(path)) {
    throw Error(ErrorKind::capability,
                "TAESD decoder " + path.string() + " not found: download it with `" + taesd_pull_command + "`");
  }
  const Weights weights = read_component(file);
  const Layout layout = detect_layout(weights);
  const std::int64_t width = weights.get(layout.layer(0) + ".weight", {-1, 4, 3, 3}).size(0);

  int index = 0;
  Conv2d input = checked_conv(weights, layout.layer(index), {width, 4, 3, 3}, true);
  index += 2;  // conv, ReLU
  std::vector<Stage> stages;
  for (int stage = 0; stage <= upsampling_stages; ++stage) {
    Stage current;
    const bool last = stage == upsampling_stages;
    for (int block = 0; block < (last ? 1 : blocks_per_stage); ++block)
      current.blocks.emplace_back(weights, layout.layer(index++), width);
    if (!last) {
      ++index;  // nearest ×2 upsampling
      current.upsampled_conv = checked_conv(weights, layout.layer(index++), {width, width, 3, 3}, false);
    }
    stages.push_back(std::move(current));
  }
  Conv2d output = checked_conv(weights, layout.layer(index), {rgb_channels, width, 3, 3}, true);
  network_ = std::make_unique<Network>(Network{std::move(input), std::move(stages), std::move(output)});
}

TinyDecoder::~TinyDecoder() = default;
TinyDecoder::TinyDecoder(TinyDecoder&&) noexcept = default;
TinyDecoder& TinyDecoder::operator=(TinyDecoder&&) noexcept = default;

at::Tensor TinyDecoder::decode(const at::Tensor& latents) const {
  if (latents.dim() != 4 || latents.size(1) != 4) throw Error(ErrorKind::input, "TAESD decodes (B, 4, h, w) latents");
  const Network& n = *network_;
  at::Tensor h = at::relu(n.input(at::tanh(latents / 3) * 3));
  for (const Stage& stage : n.stages) {
    for (const Block& block : stage.blocks) h = block(h);
    if (stage.upsampled_conv) h = (*stage.upsampled_conv)(at::upsample_nearest2d(h, {h.size(2) * 2, h.size(3) * 2}));
  }
  // TAESD's images are in [0, 1]; the VAE's (and the pipelines') in [-1, 1].
  return n.output(h) * 2 - 1;
}

}  // namespace easel::diffusion
