import { type DynamicModule, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { VerifierModule } from '@auth-service/verify/nest';
import type { VerifierOptions } from '@auth-service/verify/verify';
import { WhoamiController } from './whoami.controller.js';

@Module({})
export class ResourceServiceModule {
  static forRoot(options: VerifierOptions): DynamicModule {
    return { module: ResourceServiceModule, imports: [VerifierModule.forRoot(options)], controllers: [WhoamiController] };
  }
}

/** The example service, not yet listening: main.ts listens on PORT, the end-to-end test on any free port. */
export async function createResourceService(options: VerifierOptions): Promise<NestFastifyApplication> {
  return NestFactory.create<NestFastifyApplication>(ResourceServiceModule.forRoot(options), new FastifyAdapter(), { logger: false });
}
