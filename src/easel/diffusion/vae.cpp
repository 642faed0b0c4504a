#include "easel/diffusion/vae.hpp"

#include <algorithm>
#include <optional>

#include "easel/core/error.hpp"
#include "easel/diffusion/layers.hpp"

namespace easel::diffusion {
namespace {

// The autoencoder's norms all use eps 1e-6.
constexpr double vae_eps = 1e-6;

// The autoencoder runs on channels-last (NHWC) activations throughout: see ConvWeights.
Conv2d vae_conv(const Weights& weights, const std::string& prefix, std::int64_t stride = 1, std::int64_t padding = -1) {
  return Conv2d(weights, prefix, stride, padding, true, ConvWeights::channels_last);
}

// SiLU over a tensor nothing else holds (a norm's fresh output), without allocating another.
at::Tensor silu_in_place(at::Tensor x) { return at::silu_(x); }

struct ResnetBlock {
  GroupNorm norm1, norm2;
  Conv2d conv1, conv2;
  std::optional<Conv2d> shortcut;

  ResnetBlock(const Weights& weights, const std::string& prefix, std::int64_t groups)
      : norm1(weights, prefix + ".norm1", groups, vae_eps),
        norm2(weights, prefix + ".norm2", groups, vae_eps),
        conv1(vae_conv(weights, prefix + ".conv1")),
        conv2(vae_conv(weights, prefix + ".conv2")) {
    if (weights.contains(prefix + ".conv_shortcut.weight")) shortcut = vae_conv(weights, prefix + ".conv_shortcut");
  }

  // At 512×512 each activation is 134–268 MB, and the decoder's activations are what sets the peak
  // memory of a generation besides the weights: one statement per convolution, so that temporaries
  // die before the next is made (a single expression keeps them all alive to its end, 1.1 GB), and
  // in-place activations and sum.
  at::Tensor operator()(const at::Tensor& x) const {
    at::Tensor h = conv1(silu_in_place(norm1(x)));
    h = conv2(silu_in_place(norm2(h)));
    return h.add_(shortcut ? (*shortcut)(x) : x);
  }
};

// Single-head self-attention over all positions, with a residual connection.
struct AttentionBlock {
  GroupNorm norm;
  Linear q, k, v, out;

  AttentionBlock(const Weights& weights, const std::string& prefix, std::int64_t groups)
      : norm(weights, prefix + ".group_norm", groups, vae_eps),
        q(weights, prefix + ".to_q"),
        k(weights, prefix + ".to_k"),
        v(weights, prefix + ".to_v"),
        out(weights, prefix + ".to_out.0") {}

  at::Tensor operator()(const at::Tensor& x) const {
    const std::int64_t batch = x.size(0), channels = x.size(1), height = x.size(2), width = x.size(3);
    const at::Tensor h = norm(x).reshape({batch, channels, height * width}).transpose(1, 2);
    const at::Tensor attended = out(multi_head_attention(q(h), k(h), v(h), 1, false));
    return attended.transpose(1, 2).reshape({batch, channels, height, width}) + x;
  }
};

struct MidBlock {
  ResnetBlock first;
  AttentionBlock attention;
  ResnetBlock second;
  MidBlock(const Weights& weights, const std::string& prefix, std::int64_t groups)
      : first(weights, prefix + ".resnets.0", groups),
        attention(weights, prefix + ".attentions.0", groups),
        second(weights, prefix + ".resnets.1", groups) {}
  at::Tensor operator()(const at::Tensor& x) const { return second(attention(first(x))); }
};

struct Level {
  std::vector<ResnetBlock> resnets;
  std::optional<Conv2d> resample;
};

Level read_level(const Weights& weights, const std::string& prefix, std::int64_t groups, bool down) {
  Level level;
  for (int j = 0; weights.contains(prefix + ".resnets." + std::to_string(j) + ".conv1.weight"); ++j) {
    level.resnets.emplace_back(weights, prefix + ".resnets." + std::to_string(j), groups);
  }
  if (level.resnets.empty())
    throw Error(ErrorKind::input, "tensor '" + prefix + ".resnets.0.conv1.weight' is missing from " + weights.source());
  const std::string resample = prefix + (down ? ".downsamplers.0.conv" : ".upsamplers.0.conv");
  if (weights.contains(resample + ".weight")) {
    // The downsampler's input is padded asymmetrically (right and bottom) before its unpadded conv.
    level.resample = vae_conv(weights, resample, down ? 2 : 1, down ? 0 : -1);
  }
  return level;
}

std::vector<Level> read_levels(const Weights& weights, const std::string& prefix, std::int64_t groups, bool down) {
  std::vector<Level> levels;
  for (int i = 0; weights.contains(prefix + "." + std::to_string(i) + ".resnets.0.conv1.weight"); ++i) {
    levels.push_back(read_level(weights, prefix + "." + std::to_string(i), groups, down));
  }
  if (levels.empty())
    throw Error(ErrorKind::input,
                "tensor '" + prefix + ".0.resnets.0.conv1.weight' is missing from " + weights.source());
  return levels;
}

}  // namespace

struct Vae::Network {
  VaeConfig config;
  Conv2d encoder_in;
  std::vector<Level> encoder_levels;
  MidBlock encoder_mid;
  GroupNorm encoder_norm;
  Conv2d encoder_out, quant;
  Conv2d post_quant, decoder_in;
  MidBlock decoder_mid;
  std::vector<Level> decoder_levels;
  GroupNorm decoder_norm;
  Conv2d decoder_out;

  Network(const Weights& weights, VaeConfig config_)
      : config(config_),
        encoder_in(vae_conv(weights, "encoder.conv_in")),
        encoder_levels(read_levels(weights, "encoder.down_blocks", config.norm_groups, true)),
        encoder_mid(weights, "encoder.mid_block", config.norm_groups),
        encoder_norm(weights, "encoder.conv_norm_out", config.norm_groups, vae_eps),
        encoder_out(vae_conv(weights, "encoder.conv_out")),
        quant(vae_conv(weights, "quant_conv")),
        post_quant(vae_conv(weights, "post_quant_conv")),
        decoder_in(vae_conv(weights, "decoder.conv_in")),
        decoder_mid(weights, "decoder.mid_block", config.norm_groups),
        decoder_levels(read_levels(weights, "decoder.up_blocks", config.norm_groups, false)),
        decoder_norm(weights, "decoder.conv_norm_out", config.norm_groups, vae_eps),
        decoder_out(vae_conv(weights, "decoder.conv_out")) {}
};

namespace {

std::size_t resamplers(const std::vector<Level>& levels) {
  return static_cast<std::size_t>(
      std::count_if(levels.begin(), levels.end(), [](const Level& level) { return level.resample.has_value(); }));
}

}  // namespace

Vae::Vae(const Weights& weights, VaeConfig config) : network_(std::make_unique<Network>(weights, config)) {
  const std::size_t down = resamplers(network_->encoder_levels), up = resamplers(network_->decoder_levels);
  if (network_->encoder_levels.size() > max_vae_levels || down != up || down + 1 != network_->encoder_levels.size()) {
    throw Error(ErrorKind::input, "the autoencoder in " + weights.source() + " has " +
                                      std::to_string(network_->encoder_levels.size()) + " encoder levels with " +
                                      std::to_string(down) + " downsamplers and " + std::to_string(up) +
                                      " decoder upsamplers: it needs one downsampler " +
                                      "per level but the last, as many upsamplers, and at most " +
                                      std::to_string(max_vae_levels) + " levels");
  }
  // Tiny passes through both halves find tensors that do not fit together at load, naming the first.
  const auto options = at::TensorOptions().dtype(network_->encoder_in.weight.scalar_type());
  const std::int64_t size = std::int64_t{1} << network_->encoder_levels.size();
  (void)encode(at::zeros({1, 3, size, size}, options));
  (void)decode(at::zeros({1, network_->post_quant.weight.size(1), 1, 1}, options));
}
Vae::~Vae() = default;
Vae::Vae(Vae&&) noexcept = default;
Vae& Vae::operator=(Vae&&) noexcept = default;

double Vae::scaling_factor() const { return network_->config.scaling_factor; }
std::int64_t Vae::scale_factor() const { return std::int64_t{1} << (network_->encoder_levels.size() - 1); }
std::int64_t Vae::latent_channels() const { return network_->post_quant.weight.size(1); }

LatentDistribution Vae::encode(const at::Tensor& image) const {
  const std::int64_t factor = std::int64_t{1} << (network_->encoder_levels.size() - 1);
  if (image.dim() != 4 || image.size(1) != 3 || image.size(2) % factor != 0 || image.size(3) % factor != 0) {
    throw Error(ErrorKind::input,
                "VAE encoder expects (B, 3, H, W) images with H and W multiples of " + std::to_string(factor));
  }
  const Network& n = *network_;
  // The network computes in its weights' type; callers get theirs back.
  at::Tensor h = n.encoder_in(image.to(n.encoder_in.weight.scalar_type()).contiguous(at::MemoryFormat::ChannelsLast));
  for (const Level& level : n.encoder_levels) {
    for (const auto& resnet : level.resnets) h = resnet(h);
    if (level.resample) h = (*level.resample)(at::constant_pad_nd(h, {0, 1, 0, 1}, 0));
  }
  h = n.quant(n.encoder_out(at::silu(n.encoder_norm(n.encoder_mid(h))))).contiguous().to(image.scalar_type());
  const auto parts = h.chunk(2, 1);
  LatentDistribution distribution{parts[0], at::clamp(parts[1], -30.0, 20.0), {}};
  distribution.std = at::exp(0.5 * distribution.logvar);
  return distribution;
}

at::Tensor Vae::decode(const at::Tensor& latents) const {
  const Network& n = *network_;
  at::Tensor h = n.decoder_mid(n.decoder_in(
      n.post_quant(latents.to(n.post_quant.weight.scalar_type()).contiguous(at::MemoryFormat::ChannelsLast))));
  for (const Level& level : n.decoder_levels) {
    for (const auto& resnet : level.resnets) h = resnet(h);
    if (level.resample) h = (*level.resample)(at::upsample_nearest2d(h, {h.size(2) * 2, h.size(3) * 2}));
  }
  return n.decoder_out(silu_in_place(n.decoder_norm(h))).contiguous().to(latents.scalar_type());
}

}  // namespace easel::diffusion
