"""Issue 13 inside a job: what the worker computes beside the labels (aspects, sentence
embeddings, explanations), the themes found when the job completes, and the figures the
aspect and theme summaries are made of. Nothing heavy is imported until used."""
