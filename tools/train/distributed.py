"""Data-parallel training across processes: train.py under torchrun.

    torchrun --nproc_per_node N tools/train/train.py ...      (one machine)
    torchrun --nnodes M --node_rank R --master_addr HOST --nproc_per_node N tools/train/train.py ...

(Debian's torch 1.13 under Python 3.11 also needs `--redirects 1 --tee 1`: its parsing of the
default "0" fails with "'NoneType' object has no attribute 'get'"; with them each process's
output reaches the console prefixed by its rank.)

Each process trains on its own crops (--batch is per process, so the effective batch is
N·batch) and DistributedDataParallel averages the gradients, so every process holds the same
weights after every step; gloo on CPU, NCCL on CUDA (one GPU per process, cuda:LOCAL_RANK).
Process 0 writes the log and the checkpoints and decides, from its clock, the learning rate of
wall-time schedules and when to stop, so all processes take the same steps. Without torchrun
(WORLD_SIZE unset or 1) nothing here changes a single-process run.
"""
import os

import torch
import torch.distributed as dist


class Context:
    """rank, world (processes in all), device; main is rank 0."""

    def __init__(self):
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        cuda = torch.cuda.is_available()
        if cuda:
            local = int(os.environ.get("LOCAL_RANK", "0"))
            self.device = torch.device("cuda", local)
            torch.cuda.set_device(self.device)
        else:
            self.device = torch.device("cpu")
        if self.world > 1:
            dist.init_process_group("nccl" if cuda else "gloo")

    @property
    def main(self):
        return self.rank == 0

    def wrap(self, model):
        """model for the forward pass: DDP-wrapped when there are several processes."""
        if self.world == 1:
            return model
        ids = [self.device.index] if self.device.type == "cuda" else None
        return torch.nn.parallel.DistributedDataParallel(model, device_ids=ids)

    def from_main(self, value):
        """Process 0's float value (e.g. its elapsed seconds), on every process."""
        if self.world == 1:
            return value
        t = torch.tensor([value], dtype=torch.float64, device=self.device)
        dist.broadcast(t, 0)
        return t.item()

    def replicas_identical(self, model):
        """True when every process holds bit-identical parameters (always, in one process)."""
        if self.world == 1:
            return True
        flat = torch.cat([p.detach().flatten().double() for p in model.parameters()])
        ref = flat.clone()
        dist.broadcast(ref, 0)
        same = torch.tensor([int(torch.equal(flat, ref))], device=self.device)
        dist.all_reduce(same, op=dist.ReduceOp.MIN)
        return bool(same.item())

    def close(self):
        if self.world > 1:
            dist.destroy_process_group()
