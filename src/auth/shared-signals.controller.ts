import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { RateLimit, ServiceClient } from '../common/route-policy.js';
import { PollDelivery } from '../shared-signals/poll-delivery.service.js';
import { StreamsService } from '../shared-signals/streams.service.js';
import type { ServiceClient as Receiver } from '../service-clients/service-clients.js';
import { CurrentServiceClient } from './service-client-check.js';
import { CreateStreamBody, PollBody, RequiredStreamIdQuery, StreamIdQuery, StreamStatusBody, UpdateStreamBody, VerificationBody } from './shared-signals.dto.js';
import { toPollView, toStreamConfigurationView, toStreamStatusView } from './views/shared-signals.view.js';

/**
 * The SSF transmitter's receiver-facing endpoints (docs/shared-signals.md):
 * stream management (SSF 1.0 §8), status, verification and RFC 8936 polls.
 * The receiver is the service client of the `ssf` credential; it sees and
 * changes only its own streams.
 */
@ServiceClient('ssf')
@RateLimit('service-client')
@Controller('ssf')
export class SharedSignalsController {
  constructor(
    private readonly streams: StreamsService,
    private readonly polls: PollDelivery,
  ) {}

  @Post('stream')
  @HttpCode(201)
  async create(@CurrentServiceClient() receiver: Receiver, @Body() body: CreateStreamBody = {}) {
    return toStreamConfigurationView(await this.streams.create(receiver.clientId, body));
  }

  /** One stream with `stream_id`; without it, all of the receiver's (SSF 1.0 §8.1.1.2). */
  @Get('stream')
  async read(@CurrentServiceClient() receiver: Receiver, @Query() query: StreamIdQuery) {
    if (query.stream_id === undefined) return (await this.streams.list(receiver.clientId)).map(toStreamConfigurationView);
    return toStreamConfigurationView(await this.streams.read(receiver.clientId, query.stream_id));
  }

  @Patch('stream')
  async update(@CurrentServiceClient() receiver: Receiver, @Body() body: UpdateStreamBody) {
    return toStreamConfigurationView(await this.streams.update(receiver.clientId, body.stream_id, body, 'patch'));
  }

  @Put('stream')
  async replace(@CurrentServiceClient() receiver: Receiver, @Body() body: UpdateStreamBody) {
    return toStreamConfigurationView(await this.streams.update(receiver.clientId, body.stream_id, body, 'put'));
  }

  @Delete('stream')
  @HttpCode(204)
  async delete(@CurrentServiceClient() receiver: Receiver, @Query() query: RequiredStreamIdQuery): Promise<void> {
    await this.streams.delete(receiver.clientId, query.stream_id);
  }

  @Get('status')
  async status(@CurrentServiceClient() receiver: Receiver, @Query() query: RequiredStreamIdQuery) {
    return toStreamStatusView(await this.streams.status(receiver.clientId, query.stream_id));
  }

  @Post('status')
  @HttpCode(200)
  async setStatus(@CurrentServiceClient() receiver: Receiver, @Body() body: StreamStatusBody) {
    return toStreamStatusView(await this.streams.setStatus(receiver.clientId, body.stream_id, body.status, body.reason));
  }

  @Post('verify')
  @HttpCode(204)
  async verify(@CurrentServiceClient() receiver: Receiver, @Body() body: VerificationBody): Promise<void> {
    await this.streams.verify(receiver.clientId, body.stream_id, body.state);
  }

  /** RFC 8936: acknowledge, then receive; waits for events unless `returnImmediately`. */
  @Post('poll/:streamId')
  @HttpCode(200)
  async poll(@CurrentServiceClient() receiver: Receiver, @Param('streamId') streamId: string, @Body() body: PollBody = {}) {
    return toPollView(await this.polls.poll(receiver.clientId, streamId, body));
  }
}
