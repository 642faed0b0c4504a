#include "easel/diffusion/scheduler.hpp"

#include <algorithm>
#include <cmath>

#include "easel/core/error.hpp"

namespace easel::diffusion {
namespace {

// numpy.linspace in float64: i·step from the start, the end point set exactly.
std::vector<double> linspace(double start, double stop, int count) {
  std::vector<double> values(static_cast<std::size_t>(count));
  const double step = count > 1 ? (stop - start) / (count - 1) : 0.0;
  for (int i = 0; i < count; ++i) values[static_cast<std::size_t>(i)] = start + i * step;
  if (count > 1) values.back() = stop;
  return values;
}

// numpy.round: halves go to the even neighbour.
double round_half_even(double value) { return std::nearbyint(value); }

// numpy.interp over the integer grid 0, 1, …, table.size() − 1 (float64 arithmetic).
double interp_on_grid(double x, const std::vector<double>& table) {
  const double last = static_cast<double>(table.size() - 1);
  if (x <= 0) return table.front();
  if (x >= last) return table.back();
  const auto j = static_cast<std::size_t>(std::floor(x));
  const double slope = table[j + 1] - table[j];
  return slope * (x - static_cast<double>(j)) + table[j];
}

std::vector<double> to_doubles(const at::Tensor& tensor) {
  const at::Tensor values = tensor.to(at::kDouble).contiguous();
  return {values.data_ptr<double>(), values.data_ptr<double>() + values.numel()};
}

at::Tensor float_tensor(const std::vector<double>& values) {
  return at::tensor(at::ArrayRef<double>(values), at::kDouble).to(at::kFloat);
}

at::Tensor int_tensor(const std::vector<double>& values) {
  std::vector<std::int64_t> ints;
  for (double value : values) ints.push_back(static_cast<std::int64_t>(value));
  return at::tensor(at::ArrayRef<std::int64_t>(ints), at::kLong);
}

// Timesteps in descending order for the spacing, as float64 before the scheduler's cast.
std::vector<double> spaced_timesteps(const SchedulerConfig& config, int steps, bool round_linspace) {
  std::vector<double> timesteps;
  const int train = config.train_timesteps;
  switch (config.spacing) {
    case TimestepSpacing::linspace:
      for (double t : linspace(0, train - 1, steps))
        timesteps.insert(timesteps.begin(), round_linspace ? round_half_even(t) : t);
      break;
    case TimestepSpacing::leading:
      for (int i = steps - 1; i >= 0; --i)
        timesteps.push_back(static_cast<double>(i * (train / steps) + config.steps_offset));
      break;
    case TimestepSpacing::trailing: {
      const double ratio = static_cast<double>(train) / steps;
      for (double t = train; t > 0; t -= ratio) timesteps.push_back(round_half_even(t) - 1);
      break;
    }
  }
  return timesteps;
}

// Karras et al. (2022) noise levels between the table's extremes, ρ = 7.
std::vector<double> karras_sigmas(double sigma_min, double sigma_max, int steps) {
  constexpr double rho = 7.0;
  const double min_inv_rho = std::pow(sigma_min, 1 / rho);
  const double max_inv_rho = std::pow(sigma_max, 1 / rho);
  std::vector<double> sigmas;
  for (double ramp : linspace(0, 1, steps))
    sigmas.push_back(std::pow(max_inv_rho + ramp * (min_inv_rho - max_inv_rho), rho));
  return sigmas;
}

// The (fractional) training timestep whose log-sigma interpolates to `sigma` (log_sigmas ascending).
double sigma_to_timestep(double sigma, const std::vector<double>& log_sigmas) {
  const double log_sigma = std::log(std::max(sigma, 1e-10));
  std::size_t low = 0;
  for (std::size_t i = 0; i < log_sigmas.size(); ++i) {
    if (log_sigma - log_sigmas[i] >= 0) low = i;
  }
  low = std::min(low, log_sigmas.size() - 2);
  const double w = std::clamp((log_sigmas[low] - log_sigma) / (log_sigmas[low] - log_sigmas[low + 1]), 0.0, 1.0);
  return (1 - w) * static_cast<double>(low) + w * static_cast<double>(low + 1);
}

// DPM-Solver works with α_t = 1/√(σ²+1) and σ_t = σ·α_t.
std::pair<at::Tensor, at::Tensor> alpha_sigma_from_sigma(const at::Tensor& sigma) {
  const at::Tensor alpha = 1 / at::pow(at::pow(sigma, 2) + 1, 0.5);
  return {alpha, sigma * alpha};
}

}  // namespace

SamplerKind sampler_kind_from_name(const std::string& name) {
  for (const auto& sampler : kSamplers)
    if (sampler.name == name) return sampler.kind;
  if (name == "euler_ancestral") return SamplerKind::euler_ancestral;  // diffusers' own name
  std::string names;
  for (const auto& sampler : kSamplers) names += (names.empty() ? "" : ", ") + std::string(sampler.name);
  throw Error(ErrorKind::usage, "unknown sampler '" + name + "' (" + names + ")");
}

TimestepSpacing default_spacing(SamplerKind kind) {
  return kind == SamplerKind::ddim || kind == SamplerKind::lcm ? TimestepSpacing::leading : TimestepSpacing::linspace;
}

Scheduler::Scheduler(SamplerKind kind, SchedulerConfig config) : kind_(kind), config_(config) {
  const at::Tensor betas = at::pow(
      at::linspace(std::sqrt(config_.beta_start), std::sqrt(config_.beta_end), config_.train_timesteps, at::kFloat), 2);
  alphas_cumprod_ = at::cumprod(1.0 - betas, 0);
  train_sigmas_ = at::pow((1 - alphas_cumprod_) / alphas_cumprod_, 0.5);
}

void Scheduler::set_timesteps(int steps) {
  if (steps < 1 || steps > config_.train_timesteps) {
    throw Error(ErrorKind::usage,
                "step count " + std::to_string(steps) + " is outside 1.." + std::to_string(config_.train_timesteps));
  }
  steps_ = steps;
  previous_x0_.clear();
  sigmas_ = at::Tensor();
  const std::vector<double> table = to_doubles(train_sigmas_);
  switch (kind_) {
    case SamplerKind::euler:
    case SamplerKind::euler_ancestral: {
      // Timesteps are cast to float32 before the sigma interpolation reads them.
      timesteps_ = float_tensor(spaced_timesteps(config_, steps, false));
      std::vector<double> sigmas;
      for (double t : to_doubles(timesteps_)) sigmas.push_back(interp_on_grid(t, table));
      sigmas.push_back(0.0);
      sigmas_ = float_tensor(sigmas);
      break;
    }
    case SamplerKind::dpmpp_2m:
    case SamplerKind::dpmpp_2m_karras: {
      std::vector<double> timesteps;
      if (config_.spacing == TimestepSpacing::linspace) {
        // DPM-Solver spaces steps + 1 points and drops the final 0.
        const auto points = linspace(0, config_.train_timesteps - 1, steps + 1);
        for (std::size_t i = points.size() - 1; i > 0; --i) timesteps.push_back(round_half_even(points[i]));
      } else if (config_.spacing == TimestepSpacing::leading) {
        const int ratio = config_.train_timesteps / (steps + 1);
        for (int i = steps; i > 0; --i) timesteps.push_back(static_cast<double>(i * ratio + config_.steps_offset));
      } else {
        timesteps = spaced_timesteps(config_, steps, false);
      }
      std::vector<double> sigmas;
      if (kind_ == SamplerKind::dpmpp_2m_karras) {
        std::vector<double> log_sigmas;
        for (double sigma : table) log_sigmas.push_back(static_cast<double>(std::log(static_cast<float>(sigma))));
        sigmas = karras_sigmas(table.front(), table.back(), steps);
        timesteps.clear();
        for (double sigma : sigmas) timesteps.push_back(round_half_even(sigma_to_timestep(sigma, log_sigmas)));
        sigmas.push_back(sigmas.back());
      } else {
        for (double t : timesteps) sigmas.push_back(interp_on_grid(t, table));
        sigmas.push_back(table.front());  // this version ends at σ(t=0), not at 0
      }
      timesteps_ = int_tensor(timesteps);
      sigmas_ = float_tensor(sigmas);
      break;
    }
    case SamplerKind::ddim:
      timesteps_ = int_tensor(spaced_timesteps(config_, steps, true));
      break;
    case SamplerKind::lcm: {
      // LCM picks `steps` of the distillation schedule's timesteps (k·i − 1), evenly by index.
      const int original = config_.lcm_original_steps;
      if (steps > original)
        throw Error(ErrorKind::usage, "LCM supports at most " + std::to_string(original) + " steps");
      const int k = config_.train_timesteps / original;
      std::vector<double> timesteps;
      for (int i = 0; i < steps; ++i) {
        const auto index = static_cast<int>(std::floor(static_cast<double>(i) * original / steps));
        timesteps.push_back(static_cast<double>((original - index) * k - 1));
      }
      timesteps_ = int_tensor(timesteps);
      break;
    }
  }
  // steps_offset shifts leading timesteps up: with many steps the last can pass the training range.
  const double last = timesteps_.max().item<double>();
  if (last > config_.train_timesteps - 1) {
    throw Error(ErrorKind::usage,
                std::to_string(steps) + " steps reach timestep " + std::to_string(static_cast<std::int64_t>(last)) +
                    " with this model's scheduler (steps_offset " + std::to_string(config_.steps_offset) +
                    "), past its " + std::to_string(config_.train_timesteps) + " training timesteps: use fewer steps");
  }
}

float Scheduler::init_noise_sigma() const {
  if (kind_ != SamplerKind::euler && kind_ != SamplerKind::euler_ancestral) return 1.0f;
  const float max_sigma = sigmas_.max().item<float>();
  if (config_.spacing == TimestepSpacing::leading) return std::sqrt(max_sigma * max_sigma + 1);
  return max_sigma;
}

at::Tensor Scheduler::sigma_at(std::size_t index) const { return sigmas_[static_cast<std::int64_t>(index)]; }

at::Tensor Scheduler::alpha_cumprod_at(std::int64_t timestep) const {
  if (timestep < 0) return config_.set_alpha_to_one ? at::ones({}, at::kFloat) : alphas_cumprod_[0];
  return alphas_cumprod_[timestep];
}

at::Tensor Scheduler::scale_model_input(const at::Tensor& sample, std::size_t step) const {
  if (kind_ != SamplerKind::euler && kind_ != SamplerKind::euler_ancestral) return sample;
  return sample / at::pow(at::pow(sigma_at(step), 2) + 1, 0.5);
}

Scheduler::StepResult Scheduler::step(const at::Tensor& model_output, std::size_t step, const at::Tensor& sample,
                                      const NoiseSource& noise) {
  if (step >= static_cast<std::size_t>(timesteps_.size(0)))
    throw Error(ErrorKind::internal, "scheduler step past the last timestep");
  switch (kind_) {
    case SamplerKind::euler:
      return euler_step(model_output, step, sample, noise);
    case SamplerKind::euler_ancestral:
      return euler_ancestral_step(model_output, step, sample, noise);
    case SamplerKind::dpmpp_2m:
    case SamplerKind::dpmpp_2m_karras:
      return dpm_step(model_output, step, sample);
    case SamplerKind::ddim:
      return ddim_step(model_output, step, sample);
    case SamplerKind::lcm:
      return lcm_step(model_output, step, sample, noise);
  }
  throw Error(ErrorKind::internal, "unknown scheduler");
}

// x0 from the model output at noise level σ (Euler family, sample not yet scaled).
static at::Tensor euler_x0(PredictionType prediction, const at::Tensor& model_output, const at::Tensor& sample,
                           const at::Tensor& sigma) {
  if (prediction == PredictionType::epsilon) return sample - sigma * model_output;
  return model_output * (-sigma / at::pow(at::pow(sigma, 2) + 1, 0.5)) + (sample / (at::pow(sigma, 2) + 1));
}

Scheduler::StepResult Scheduler::euler_step(const at::Tensor& model_output, std::size_t step, const at::Tensor& sample,
                                            const NoiseSource& noise) const {
  const at::Tensor sigma = sigma_at(step);
  // The reference draws churn noise every step and, with s_churn = 0, never uses it.
  if (noise) (void)noise(model_output.sizes(), false);
  const at::Tensor x0 = euler_x0(config_.prediction, model_output, sample, sigma);
  const at::Tensor derivative = (sample - x0) / sigma;
  const at::Tensor dt = sigma_at(step + 1) - sigma;
  return {sample + derivative * dt, x0};
}

Scheduler::StepResult Scheduler::euler_ancestral_step(const at::Tensor& model_output, std::size_t step,
                                                      const at::Tensor& sample, const NoiseSource& noise) const {
  const at::Tensor sigma_from = sigma_at(step);
  const at::Tensor sigma_to = sigma_at(step + 1);
  const at::Tensor x0 = euler_x0(config_.prediction, model_output, sample, sigma_from);
  const at::Tensor sigma_up =
      at::pow(at::pow(sigma_to, 2) * (at::pow(sigma_from, 2) - at::pow(sigma_to, 2)) / at::pow(sigma_from, 2), 0.5);
  const at::Tensor sigma_down = at::pow(at::pow(sigma_to, 2) - at::pow(sigma_up, 2), 0.5);
  const at::Tensor derivative = (sample - x0) / sigma_from;
  const at::Tensor prev = sample + derivative * (sigma_down - sigma_from);
  if (!noise) throw Error(ErrorKind::internal, "Euler ancestral needs a noise source");
  return {prev + noise(model_output.sizes(), true) * sigma_up, x0};
}

Scheduler::StepResult Scheduler::dpm_step(const at::Tensor& model_output, std::size_t step, const at::Tensor& sample) {
  const auto count = static_cast<std::size_t>(timesteps_.size(0));
  // With fewer than 15 steps the last step is first order (and the one before second order).
  const bool lower_order_final = step == count - 1 && count < 15;
  const auto [alpha_s0, sigma_s0] = alpha_sigma_from_sigma(sigma_at(step));
  const at::Tensor x0 = config_.prediction == PredictionType::epsilon ? (sample - sigma_s0 * model_output) / alpha_s0
                                                                      : alpha_s0 * sample - sigma_s0 * model_output;
  const auto [alpha_t, sigma_t] = alpha_sigma_from_sigma(sigma_at(step + 1));
  const at::Tensor lambda_t = at::log(alpha_t) - at::log(sigma_t);
  const at::Tensor lambda_s0 = at::log(alpha_s0) - at::log(sigma_s0);
  const at::Tensor h = lambda_t - lambda_s0;
  const at::Tensor first_order = (sigma_t / sigma_s0) * sample - (alpha_t * (at::exp(-h) - 1.0)) * x0;
  at::Tensor prev;
  if (previous_x0_.empty() || lower_order_final) {
    prev = first_order;
  } else {
    const auto [alpha_s1, sigma_s1] = alpha_sigma_from_sigma(sigma_at(step - 1));
    const at::Tensor lambda_s1 = at::log(alpha_s1) - at::log(sigma_s1);
    const at::Tensor r0 = (lambda_s0 - lambda_s1) / h;
    const at::Tensor d1 = r0.reciprocal() * (x0 - previous_x0_.back());
    prev = (sigma_t / sigma_s0) * sample - (alpha_t * (at::exp(-h) - 1.0)) * x0 -
           0.5 * (alpha_t * (at::exp(-h) - 1.0)) * d1;
  }
  previous_x0_ = {x0};
  return {prev, x0};
}

Scheduler::StepResult Scheduler::ddim_step(const at::Tensor& model_output, std::size_t step,
                                           const at::Tensor& sample) const {
  const std::int64_t timestep = timesteps_[static_cast<std::int64_t>(step)].item<std::int64_t>();
  const std::int64_t previous = timestep - config_.train_timesteps / steps_;
  const at::Tensor alpha_t = alpha_cumprod_at(timestep);
  const at::Tensor alpha_prev = alpha_cumprod_at(previous);
  const at::Tensor beta_t = 1 - alpha_t;
  at::Tensor x0;
  at::Tensor epsilon;
  if (config_.prediction == PredictionType::epsilon) {
    x0 = (sample - at::pow(beta_t, 0.5) * model_output) / at::pow(alpha_t, 0.5);
    epsilon = model_output;
  } else {
    x0 = at::pow(alpha_t, 0.5) * sample - at::pow(beta_t, 0.5) * model_output;
    epsilon = at::pow(alpha_t, 0.5) * model_output + at::pow(beta_t, 0.5) * sample;
  }
  const at::Tensor direction = at::pow(1 - alpha_prev, 0.5) * epsilon;
  return {at::pow(alpha_prev, 0.5) * x0 + direction, x0};
}

Scheduler::StepResult Scheduler::lcm_step(const at::Tensor& model_output, std::size_t step, const at::Tensor& sample,
                                          const NoiseSource& noise) const {
  const auto count = static_cast<std::size_t>(timesteps_.size(0));
  const at::Tensor timestep = timesteps_[static_cast<std::int64_t>(step)];
  const at::Tensor previous = step + 1 < count ? timesteps_[static_cast<std::int64_t>(step + 1)] : timestep;
  const at::Tensor alpha_t = alpha_cumprod_at(timestep.item<std::int64_t>());
  const at::Tensor alpha_prev = alpha_cumprod_at(previous.item<std::int64_t>());
  const at::Tensor beta_t = 1 - alpha_t;
  const at::Tensor beta_prev = 1 - alpha_prev;
  // Consistency-model boundary condition with σ_data = 0.5 on the scaled timestep.
  constexpr double sigma_data = 0.5;
  const at::Tensor scaled = timestep * config_.lcm_timestep_scaling;
  const at::Tensor c_skip = sigma_data * sigma_data / (at::pow(scaled, 2) + sigma_data * sigma_data);
  const at::Tensor c_out = scaled / at::pow(at::pow(scaled, 2) + sigma_data * sigma_data, 0.5);
  const at::Tensor x0 = config_.prediction == PredictionType::epsilon
                            ? (sample - beta_t.sqrt() * model_output) / alpha_t.sqrt()
                            : alpha_t.sqrt() * sample - beta_t.sqrt() * model_output;
  const at::Tensor denoised = c_out * x0 + c_skip * sample;
  if (step + 1 == count) return {denoised, denoised};
  if (!noise) throw Error(ErrorKind::internal, "LCM needs a noise source");
  return {alpha_prev.sqrt() * denoised + beta_prev.sqrt() * noise(model_output.sizes(), true), denoised};
}

at::Tensor Scheduler::add_noise(const at::Tensor& original, const at::Tensor& noise, std::size_t step) const {
  if (sigmas_.defined()) return original + noise * sigma_at(step);
  const at::Tensor alpha = alpha_cumprod_at(timesteps_[static_cast<std::int64_t>(step)].item<std::int64_t>());
  return at::pow(alpha, 0.5) * original + at::pow(1 - alpha, 0.5) * noise;
}

}  // namespace easel::diffusion
