#pragma once
// The noise schedulers of the reference (diffusers 0.25.1): Euler, Euler ancestral, DPM++ 2M (± Karras
// sigmas), DDIM (η = 0) and LCM, for ε- and v-prediction, with leading / trailing / linspace timestep
// spacing. The arithmetic follows the reference operation by operation in float32, so that loops
// agree to a few float32 ulps.
#include <ATen/ATen.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "easel/model_files/model_config.hpp"

namespace easel::diffusion {

SamplerKind sampler_kind_from_name(const std::string& name);  // "euler", "euler_a", "dpmpp_2m", …
// Each scheduler's default spacing in diffusers (Euler, Euler a, DPM++: linspace; DDIM, LCM: leading).
TimestepSpacing default_spacing(SamplerKind kind);

// Supplies random tensors when a scheduler step draws them. `used` is false for draws the reference
// makes and discards (Euler's unused churn noise), which a seeded generator must still consume.
using NoiseSource = std::function<at::Tensor(at::IntArrayRef shape, bool used)>;

class Scheduler {
 public:
  Scheduler(SamplerKind kind, SchedulerConfig config);

  void set_timesteps(int steps);
  SamplerKind kind() const { return kind_; }
  const SchedulerConfig& config() const { return config_; }
  // float32 for Euler / Euler a, int64 otherwise (as the reference).
  const at::Tensor& timesteps() const { return timesteps_; }
  // Sigma table including the final value (undefined for DDIM and LCM).
  const at::Tensor& sigmas() const { return sigmas_; }
  const at::Tensor& alphas_cumprod() const { return alphas_cumprod_; }
  float init_noise_sigma() const;

  at::Tensor scale_model_input(const at::Tensor& sample, std::size_t step) const;

  struct StepResult {
    at::Tensor prev_sample;
    at::Tensor pred_original_sample;  // LCM: the "denoised" output
  };
  // One step from timesteps()[step]; steps must run in order (DPM++ keeps the previous output).
  StepResult step(const at::Tensor& model_output, std::size_t step, const at::Tensor& sample, const NoiseSource& noise);

  // img2img: the clean latents noised to the level of timesteps()[step].
  at::Tensor add_noise(const at::Tensor& original, const at::Tensor& noise, std::size_t step) const;

 private:
  StepResult euler_step(const at::Tensor& model_output, std::size_t step, const at::Tensor& sample,
                        const NoiseSource& noise) const;
  StepResult euler_ancestral_step(const at::Tensor& model_output, std::size_t step, const at::Tensor& sample,
                                  const NoiseSource& noise) const;
  StepResult dpm_step(const at::Tensor& model_output, std::size_t step, const at::Tensor& sample);
  StepResult ddim_step(const at::Tensor& model_output, std::size_t step, const at::Tensor& sample) const;
  StepResult lcm_step(const at::Tensor& model_output, std::size_t step, const at::Tensor& sample,
                      const NoiseSource& noise) const;
  at::Tensor alpha_cumprod_at(std::int64_t timestep) const;
  at::Tensor sigma_at(std::size_t index) const;

  SamplerKind kind_;
  SchedulerConfig config_;
  at::Tensor alphas_cumprod_;
  at::Tensor train_sigmas_;  // sqrt((1 − ᾱ) / ᾱ) for every training timestep
  at::Tensor timesteps_;
  at::Tensor sigmas_;
  int steps_ = 0;
  std::vector<at::Tensor> previous_x0_;  // DPM++ 2M history
};

}  // namespace easel::diffusion
