#include "easel/diffusion/model.hpp"

#include <c10/util/Exception.h>

#include "easel/core/error.hpp"
#include "easel/diffusion/lora.hpp"
#include "easel/diffusion/sdxl_single_file.hpp"
#include "easel/model_files/model_sidecar.hpp"
#include "easel/diffusion/runtime.hpp"
#include "easel/model_files/single_file_settings.hpp"

namespace easel::diffusion {
namespace {
namespace fs = std::filesystem;

// What SD's pipelines take: an 8× autoencoder with 4 latent channels, CLIP's 49408 token ids in 77
// positions.
constexpr std::int64_t pipeline_scale_factor = 8;
constexpr std::int64_t pipeline_latent_channels = 4;
constexpr std::int64_t clip_vocabulary = 49408;

ClipTokenizer read_tokenizer(const std::vector<fs::path>& folders) {
  for (const auto& folder : folders) {
    if (folder.empty()) continue;
    if (fs::exists(folder / "vocab.json") && fs::exists(folder / "merges.txt")) {
      return ClipTokenizer::from_vocab_and_merges(folder / "vocab.json", folder / "merges.txt");
    }
    if (fs::exists(folder / "bpe_simple_vocab_16e6.txt.gz"))
      return ClipTokenizer::from_gzipped_bpe(folder / "bpe_simple_vocab_16e6.txt.gz");
  }
  std::string searched;
  for (const auto& folder : folders) {
    if (!folder.empty()) searched += (searched.empty() ? "" : ", ") + folder.string();
  }
  throw Error(ErrorKind::capability,
              "no CLIP tokenizer files (vocab.json + merges.txt, or bpe_simple_vocab_16e6.txt.gz) in " +
                  (searched.empty() ? std::string("any folder") : searched) +
                  ": put them in the model's tokenizer/ folder (for a single file: a tokenizer/ folder beside it, or "
                  "\"tokenizer\" in its sidecar), or point EASEL_TOKENIZER at a folder that holds them");
}

// The type each network holds its weights and computes in: with bf16 all three, each measured faster in
// bfloat16 (UNet 3×, text encoder 15×, VAE decode 1.5×; docs/diffusion.md, Precision).
struct ComponentTypes {
  at::ScalarType text_encoder = at::kFloat;
  at::ScalarType unet = at::kFloat;
  at::ScalarType vae = at::kFloat;
};

ComponentTypes component_types(Precision precision) {
  if (precision == Precision::fp32) return {};
  return {at::kBFloat16, at::kBFloat16, at::kBFloat16};
}

// A component's weights as its network takes them.
Weights weights_as(Weights weights, at::ScalarType type) {
  if (type != at::kFloat) weights.hand_out_as(type);
  return weights;
}

// SDXL's added conditioning (model_config.hpp, UNetConfig::addition_embed_type).
const std::string sdxl_added_embedding = "text_time";

// For SDXL the text encoder part is the pair of encoders; its OpenCLIP-bigG half is never optional.
enum class Part { text_encoder, unet, vae, scheduler };

const char* folder_of(Part part, bool sdxl) {
  switch (part) {
    case Part::text_encoder:
      return sdxl ? "text_encoder_2" : "text_encoder";
    case Part::unet:
      return "unet";
    case Part::vae:
      return "vae";
    case Part::scheduler:
      return "scheduler";
  }
  return "";
}

// A .safetensors file or a diffusers folder, or an input error saying what it is not.
void check_model_path(const fs::path& path, const std::string& role) {
  if (fs::is_directory(path)) {
    if (!fs::exists(path / "model_index.json"))
      throw Error(ErrorKind::input, path.string() + " is not a diffusers model folder (no model_index.json)");
    return;
  }
  if (!fs::exists(path)) {
    throw Error(ErrorKind::capability,
                role + " " + path.string() + " not found: place a .safetensors checkpoint or a diffusers folder there");
  }
  if (path.extension() != ".safetensors") {
    throw Error(ErrorKind::input,
                path.string() + ": only .safetensors weights are loaded (pickled .ckpt files can run code when read)");
  }
}

// One model on disk as the parts it holds: a diffusers folder's component folders, or a single file's
// tensors with the settings its sidecar gives or its shapes imply. Opening one reads only configs and
// headers; each network is built when asked for.
class ModelFiles {
 public:
  explicit ModelFiles(fs::path path) : path_(std::move(path)), folder_(fs::is_directory(path_)) {
    if (folder_) {
      index_ = read_model_index(path_ / "model_index.json");
      const fs::path unet_config = path_ / "unet" / "config.json";
      sdxl_ = (fs::exists(unet_config) &&
               UNetConfig::from_json_file(unet_config).addition_embed_type == sdxl_added_embedding) ||
              fs::is_directory(path_ / "text_encoder_2");
      return;
    }
    const SafetensorsFile header(path_);
    if (lora_file_format(header.tensors())) {
      throw Error(ErrorKind::input, path_.string() +
                                        " is a LoRA file, not a model: give it beside a model with --lora (API: "
                                        "\"loras\"; docs/models.md, \"LoRA\")");
    }
    single_ = resolve_single_file_settings(header.tensors(), read_sidecar(path_), path_);
    if (!single_->has_unet && !single_->has_vae && !single_->has_text_encoder) {
      throw Error(
          ErrorKind::input,
          path_.string() +
              " holds no Stable Diffusion tensors (model.diffusion_model.*, first_stage_model.*, cond_stage_model.*, "
              "conditioner.embedders.*)");
    }
    sdxl_ = single_->family == ModelFamily::sdxl;
  }

  const fs::path& path() const { return path_; }
  // An SDXL model: its UNet takes the added text/time embedding, or it holds SDXL's two text encoders.
  bool sdxl() const { return sdxl_; }
  const ModelIndex& index() const { return index_; }

  bool has(Part part) const {
    if (folder_) return fs::is_directory(path_ / folder_of(part, sdxl_));
    switch (part) {
      case Part::text_encoder:
        return single_->has_text_encoder;
      case Part::unet:
        return single_->has_unet;
      case Part::vae:
        return single_->has_vae;
      // A complete file runs with the sidecar's scheduler or the default one; a UNet-only file without
      // a scheduler section takes its base's.
      case Part::scheduler:
        return single_->has_text_encoder || single_->scheduler_given;
    }
    return false;
  }

  // What has no such part: "model folder X has no text_encoder/" or "model X holds no text encoder".
  std::string lacking(Part part) const {
    if (folder_) return "model folder " + path_.string() + " has no " + folder_of(part, sdxl_) + "/";
    const std::string what =
        part == Part::text_encoder
            ? (sdxl_ ? "OpenCLIP text encoder (conditioner.embedders.*.model.*)" : "text encoder (cond_stage_model.*)")
        : part == Part::vae ? "VAE (first_stage_model.*)"
                            : folder_of(part, sdxl_);
    return "model " + path_.string() + " holds no " + what;
  }

  // The config of `text_encoder` (SD's, or SDXL's CLIP-L).
  TextEncoderConfig text_encoder_config() const {
    return folder_ ? TextEncoderConfig::from_json_file(path_ / "text_encoder" / "config.json") : single_->text_encoder;
  }

  // The components' weights as the files hold them, each tensor read when asked for.
  Weights text_encoder_weights() const {
    return folder_ ? read_component(path_ / "text_encoder" / "model.safetensors")
                   : read_single_file_text_encoder(path_);
  }
  SdxlSingleFileTextEncoders sdxl_text_weights() const {
    if (!folder_) return read_single_file_sdxl_text_encoders(path_);
    SdxlSingleFileTextEncoders weights;
    weights.big_g = read_component(path_ / "text_encoder_2" / "model.safetensors");
    if (fs::is_directory(path_ / "text_encoder"))
      weights.clip_l = read_component(path_ / "text_encoder" / "model.safetensors");
    return weights;
  }
  Weights unet_weights() const {
    return folder_ ? read_component(path_ / "unet" / "diffusion_pytorch_model.safetensors")
                   : read_single_file_unet(path_);
  }

  // SDXL's encoders: OpenCLIP-bigG with its projection, and CLIP-L unless the UNet takes bigG's states
  // alone (`unet_context` wide: a refiner).
  SdxlTextEncoders sdxl_text_encoders(at::ScalarType type, LoraSet& loras, std::int64_t unet_context) const {
    SdxlSingleFileTextEncoders weights = sdxl_text_weights();
    std::optional<Weights>& clip_l = weights.clip_l;
    std::optional<Weights>& big_g = weights.big_g;
    const TextEncoderConfig big_g_config =
        folder_ ? TextEncoderConfig::from_json_file(path_ / "text_encoder_2" / "config.json") : single_->text_encoder_2;
    loras.merge_into(*big_g, LoraComponent::text_encoder_2);
    Weights big_g_weights = weights_as(std::move(*big_g), type);
    TextEncoder big_g_encoder(big_g_weights, big_g_config);
    Linear projection = sdxl_text_projection(big_g_weights);
    if (unet_context == big_g_encoder.width())
      return SdxlTextEncoders(std::nullopt, std::move(big_g_encoder), std::move(projection));
    if (!clip_l) {
      throw Error(ErrorKind::input,
                  "the UNet takes " + std::to_string(unet_context) + "-wide text, more than the " +
                      std::to_string(big_g_encoder.width()) + " of the OpenCLIP encoder alone, but " +
                      (folder_ ? "model folder " + path_.string() + " has no text_encoder/ (CLIP-L)"
                               : path_.string() + " holds no CLIP-L encoder (conditioner.embedders.0.transformer.*)"));
    }
    loras.merge_into(*clip_l, LoraComponent::text_encoder);
    return SdxlTextEncoders(TextEncoder(weights_as(std::move(*clip_l), type), text_encoder_config()),
                            std::move(big_g_encoder), std::move(projection));
  }

  TextEncoder text_encoder(at::ScalarType type, LoraSet& loras) const {
    Weights weights = text_encoder_weights();
    loras.merge_into(weights, LoraComponent::text_encoder);
    return TextEncoder(weights_as(std::move(weights), type), text_encoder_config());
  }
  // The family of the text encoder and tokenizer, which decides the pad token.
  ModelFamily text_family() const {
    if (sdxl_) return ModelFamily::sdxl;
    if (!folder_) return single_->family;
    return TokenizerConfig::from_folder(path_ / "tokenizer").pads_with_exclamation() ? ModelFamily::sd2
                                                                                     : ModelFamily::sd1;
  }
  ClipTokenizer tokenizer(const fs::path& fallback) const {
    if (folder_) return read_tokenizer({path_ / "tokenizer", path_ / "tokenizer_2", fallback});
    return read_tokenizer({single_->tokenizer, path_.parent_path() / "tokenizer", fallback});
  }
  UNet unet(at::ScalarType type, LoraSet& loras) const {
    const fs::path folder = path_ / "unet";
    const UNetConfig config = folder_ ? UNetConfig::from_json_file(folder / "config.json") : single_->unet;
    if (!config.addition_embed_type.empty() && config.addition_embed_type != sdxl_added_embedding) {
      throw Error(ErrorKind::capability, "the UNet of " + path_.string() + " takes addition_embed_type \"" +
                                             config.addition_embed_type +
                                             "\" conditioning; Easel runs SD1, SD2 and SDXL (\"text_time\") UNets");
    }
    Weights weights = unet_weights();
    loras.merge_into(weights, LoraComponent::unet);
    return UNet(weights_as(std::move(weights), type), config);
  }
  Vae vae(at::ScalarType type) const {
    if (!folder_) return Vae(weights_as(read_single_file_vae(path_), type), single_->vae);
    const fs::path folder = path_ / "vae";
    return Vae(weights_as(read_component(folder / "diffusion_pytorch_model.safetensors"), type),
               VaeConfig::from_json_file(folder / "config.json"));
  }
  SchedulerConfig scheduler() const {
    return folder_ ? SchedulerConfig::from_json_file(path_ / "scheduler" / "scheduler_config.json")
                   : single_->scheduler;
  }

 private:
  fs::path path_;
  bool folder_;
  bool sdxl_ = false;
  ModelIndex index_;  // a folder's model_index.json flags; none for single files
  std::optional<SingleFileSettings> single_;
};

// The model's own part, else its base's; a capability error saying how to name a base otherwise.
const ModelFiles& source_of(Part part, const ModelFiles& model, const std::optional<ModelFiles>& base) {
  if (model.has(part)) return model;
  if (part == Part::unet) throw Error(ErrorKind::input, model.lacking(part) + ": a model needs its own UNet");
  if (!base) {
    throw Error(
        ErrorKind::capability,
        model.lacking(part) +
            " (a UNet-only model): name the model whose text encoder, tokenizer and VAE complete it as its base — " +
            "{\"base\": \"NAME\"} in " + sidecar_path(model.path()).string() +
            ", or the request's base (easel generate --base NAME) (docs/models.md, \"Base models\")");
  }
  if (!base->has(part))
    throw Error(ErrorKind::capability,
                model.lacking(part) + ", and its base " + base->path().string() + " has none either");
  return *base;
}

// The width of the text the model's encoders give the UNet, and their narrowest vocabulary and positions.
struct TextShape {
  std::int64_t width = 0;
  std::int64_t vocabulary = 0;
  std::int64_t positions = 0;
};

TextShape text_shape(const StableDiffusionModel& model) {
  if (model.text_encoder) {
    return {model.text_encoder->width(), model.text_encoder->vocabulary_size(), model.text_encoder->positions()};
  }
  const SdxlTextEncoders& encoders = model.sdxl->encoders;
  return {encoders.width(), encoders.vocabulary_size(), encoders.positions()};
}

// Components from different files must fit each other and the pipelines.
void check_fits_together(const StableDiffusionModel& model, const ModelFiles& unet, const ModelFiles& text,
                         const ModelFiles& vae) {
  const TextShape shape = text_shape(model);
  if (model.unet.context_dim() != 0 && model.unet.context_dim() != shape.width) {
    throw Error(ErrorKind::input, "the UNet of " + unet.path().string() + " takes " +
                                      std::to_string(model.unet.context_dim()) +
                                      "-wide text, but the text encoder of " + text.path().string() + " gives " +
                                      std::to_string(shape.width) +
                                      ": a base must be of the model's family (SD1 text is 768 wide, SD2's 1024, "
                                      "SDXL's 2048 and its refiner's 1280)");
  }
  if (model.sdxl.has_value() != model.unet.takes_added_conditioning()) {
    throw Error(ErrorKind::input, "the UNet of " + unet.path().string() +
                                      (model.sdxl ? " is not an SDXL UNet (no added text/time embedding)"
                                                  : " is an SDXL UNet (it takes the added text/time embedding)") +
                                      ", but the text encoders of " + text.path().string() +
                                      (model.sdxl ? " are SDXL's" : " are not SDXL's (no text_encoder_2)") +
                                      ": a base must be of the model's family");
  }
  if (shape.vocabulary < clip_vocabulary || shape.positions < static_cast<std::int64_t>(ClipTokenizer::window_size)) {
    throw Error(ErrorKind::input,
                "the text encoder of " + text.path().string() + " has " + std::to_string(shape.vocabulary) +
                    " tokens and " + std::to_string(shape.positions) + " positions; CLIP's tokenizer needs " +
                    std::to_string(clip_vocabulary) + " and " + std::to_string(ClipTokenizer::window_size));
  }
  if (model.vae.scale_factor() != pipeline_scale_factor || model.vae.latent_channels() != pipeline_latent_channels ||
      model.unet.out_channels() != pipeline_latent_channels) {
    throw Error(ErrorKind::input, "the autoencoder of " + vae.path().string() + " scales by " +
                                      std::to_string(model.vae.scale_factor()) + " with " +
                                      std::to_string(model.vae.latent_channels()) +
                                      " latent channels, and the UNet of " + unet.path().string() + " predicts " +
                                      std::to_string(model.unet.out_channels()) + ": SD pipelines need 8 and 4");
  }
}

// The base the options name, else the one the model's sidecar names; empty: none.
fs::path base_of(const fs::path& model, const ModelOptions& options) {
  if (!options.base.empty()) return options.base;
  const auto sidecar = read_sidecar(model);
  if (!sidecar || !sidecar->names_base()) return {};
  if (!sidecar->base_path.empty()) return sidecar->base_path;
  if (!options.resolve_base_name) return sidecar->base_name;
  try {
    return options.resolve_base_name(sidecar->base_name);
  } catch (const Error& error) {
    throw Error(error.kind(),
                "the base \"" + sidecar->base_name + "\" that " + sidecar->file.string() + " names: " + error.what());
  }
}

// SDXL's pipeline flags: model_index.json's when the model's folder gives them, else those of the
// real checkpoints — the refiner (whose UNet takes bigG's text alone) encodes "" as its negative and
// conditions on an aesthetic score, the base takes zeros and the target size.
SdxlConditioning sdxl_conditioning(SdxlTextEncoders encoders, const ModelFiles& model) {
  const bool refiner = !encoders.has_clip_l();
  return {std::move(encoders), model.index().force_zeros_for_empty_prompt.value_or(!refiner),
          model.index().requires_aesthetics_score.value_or(refiner)};
}

StableDiffusionModel assemble(const fs::path& path, const ModelOptions& options) {
  const ModelFiles model(path);
  const fs::path base_path = base_of(path, options);
  std::optional<ModelFiles> base;
  if (!base_path.empty()) {
    check_model_path(base_path, "base model");
    base.emplace(base_path);
  }
  const ModelFiles& unet = source_of(Part::unet, model, base);
  const ModelFiles& text = source_of(Part::text_encoder, model, base);
  const ModelFiles& vae = source_of(Part::vae, model, base);
  const ModelFamily family = unet.sdxl() ? ModelFamily::sdxl : text.text_family();
  ClipTokenizer tokenizer = text.tokenizer(options.tokenizer_dir);
  SchedulerConfig scheduler = source_of(Part::scheduler, model, base).scheduler();
  // One statement per component: the weights read for one (and the copies a network makes of them)
  // are freed before the next file is read, which keeps the peak of loading near the model's size.
  const ComponentTypes types = component_types(options.precision);
  LoraSet loras(options.loras);
  std::optional<TextEncoder> text_encoder;
  if (!text.sdxl()) text_encoder.emplace(text.text_encoder(types.text_encoder, loras));
  UNet unet_network = unet.unet(types.unet, loras);
  std::optional<SdxlConditioning> sdxl;
  if (text.sdxl()) {
    sdxl.emplace(
        sdxl_conditioning(text.sdxl_text_encoders(types.text_encoder, loras, unet_network.context_dim()), model));
  }
  loras.check_every_module_merged();
  const MergedLoras merged{options.loras, text.path(), unet.path(), loras.changed(), types.text_encoder, types.unet};
  Vae vae_network = vae.vae(types.vae);
  StableDiffusionModel assembled{family,
                                 std::move(tokenizer),
                                 family == ModelFamily::sd2 ? ClipTokenizer::sd2_pad_id : ClipTokenizer::sd1_pad_id,
                                 std::move(text_encoder),
                                 std::move(sdxl),
                                 std::move(unet_network),
                                 std::move(vae_network),
                                 scheduler,
                                 base_path,
                                 merged};
  check_fits_together(assembled, unet, text, vae);
  return assembled;
}

// ATen's own message, without the C++ backtrace it may append.
std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

}  // namespace

at::Tensor encode_prompt(const StableDiffusionModel& model, std::string_view prompt, int clip_skip) {
  if (!model.text_encoder)
    throw Error(ErrorKind::usage, "encode_prompt encodes SD1/SD2 prompts; SDXL's take sdxl_text.hpp");
  std::vector<at::Tensor> states;
  for (const auto& window : model.tokenizer.windows(prompt, model.pad_id)) {
    const at::Tensor ids = at::tensor(at::ArrayRef<std::int64_t>(window), at::kLong).unsqueeze(0);
    states.push_back(model.text_encoder->encode(ids, clip_skip));
  }
  return at::cat(states, 1);
}

StableDiffusionModel load_model(const std::filesystem::path& path, const ModelOptions& options) {
  check_precision_supported(options.precision);
  check_model_path(path, "model");
  try {
    StableDiffusionModel model = assemble(path, options);
    release_freed_memory();  // loading's freed temporaries (each tensor's file copy) stay in glibc's arenas otherwise
    return model;
  } catch (const c10::Error& error) {
    // The probe passes at load run every layer once: tensors that do not fit together fail there.
    throw Error(ErrorKind::input, "model " + path.string() +
                                      (options.base.empty() ? "" : " (base " + options.base.string() + ")") +
                                      " cannot be used: its tensors do not fit together (" +
                                      first_line(error.what_without_backtrace()) + ")");
  }
}

void change_loras(StableDiffusionModel& model, const std::vector<LoraUse>& loras) {
  LoraSet set(loras);
  const ModelFiles text(model.loras.text_source);
  const ModelFiles unet(model.loras.unet_source);
  // Every weight either set changes, read again and merged with the new set; the networks change only
  // once every module of the new set has found its weight.
  std::map<LoraComponent, std::map<std::string, at::Tensor>> replacements;
  const auto merge = [&](LoraComponent component, Weights weights, at::ScalarType type) {
    set.merge_into(weights, component);
    std::vector<std::string> names = model.loras.changed[component];
    if (const auto changed = set.changed().find(component); changed != set.changed().end())
      names.insert(names.end(), changed->second.begin(), changed->second.end());
    if (type != at::kFloat) weights.hand_out_as(type);
    for (const std::string& name : names) replacements[component][name] = weights.get(name);
  };
  if (model.sdxl) {
    SdxlSingleFileTextEncoders weights = text.sdxl_text_weights();
    if (model.sdxl->encoders.has_clip_l())
      merge(LoraComponent::text_encoder, std::move(*weights.clip_l), model.loras.text_type);
    merge(LoraComponent::text_encoder_2, std::move(*weights.big_g), model.loras.text_type);
  } else {
    merge(LoraComponent::text_encoder, text.text_encoder_weights(), model.loras.text_type);
  }
  merge(LoraComponent::unet, unet.unet_weights(), model.loras.unet_type);
  set.check_every_module_merged();

  for (const auto& [component, weights] : replacements) {
    if (weights.empty()) continue;
    if (component == LoraComponent::unet) {
      model.unet.set_weights(weights);
    } else if (component == LoraComponent::text_encoder_2) {
      model.sdxl->encoders.big_g().set_weights(weights);
    } else {
      (model.sdxl ? *model.sdxl->encoders.clip_l() : *model.text_encoder).set_weights(weights);
    }
  }
  model.loras.uses = loras;
  model.loras.changed = set.changed();
}

}  // namespace easel::diffusion
