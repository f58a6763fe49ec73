"""Fine-tune a model and push it to the Hub (a deliberately leaky example)."""
import os
from huggingface_hub import login, hf_hub_download

# Someone "split" the token to dodge scanners:
login(token="hf_unzqwwZyVGO"
      "eUvfJIssDjPTTKtbTxxDBfz")

os.environ["HF_TOKEN"] = "hf_YOUR_TOKEN_HERE"  # a placeholder: not reported
model_path = hf_hub_download(repo_id="acme/base-model", filename="config.json")
